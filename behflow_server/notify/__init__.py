"""Notification targets through Apprise: per-user URLs, reminders delivered once per target."""
