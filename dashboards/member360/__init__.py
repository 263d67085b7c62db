"""Member 360: one staff page with a member's whole story (dashboards, the top floor, because it reads every
app). `sections` reads the profile, consents, stage history and segments; `timeline` merges the events."""
