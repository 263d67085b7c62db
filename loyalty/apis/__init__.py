"""Integration API for the POS and the web shop (API keys with the `pos` scope), one module per resource."""
