"""Receivers of the lower floors\x27 signals (connected in EventsConfig.ready())."""
