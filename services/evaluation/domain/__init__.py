"""Evaluation rules, pure: the register of cases, the yearly plan, checklists and ratings,
independence, corrective actions and the officer's yearly review. No I/O here."""
