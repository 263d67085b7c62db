"""The members' REST API for the mobile app (`/api/v1/auth/...`, `/api/v1/me/...`)."""
