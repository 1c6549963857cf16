"""`make chaos`: faults injected into the running system (see __main__)."""
