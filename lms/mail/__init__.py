"""Outgoing email: settings, messages, reminders and each person's choice of reminders."""
