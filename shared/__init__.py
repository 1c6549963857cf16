"""tgpl contracts: event and message models, subject names, stream definitions. No logic."""
