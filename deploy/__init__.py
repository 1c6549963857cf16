"""How tgpl runs: the `tgpl` operator CLI, the embedded one-machine launcher, demo data."""
