"""Reporting: read models fed by every event; reports to the province; dashboards."""
