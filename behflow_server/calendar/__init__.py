"""The per-user calendar feed: a secret URL (only its hash is stored) serving an iCalendar file."""
