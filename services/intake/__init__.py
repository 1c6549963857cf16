"""Intake: the center's front door and case register, and the staff web UI."""
