"""tgpl services: intake, assignment, evaluation, reporting, and the runtime they share."""
