"""Evaluation rules. The slice keeps the register of cases and who performed them; the
evaluation plan, methods, ratings and corrective actions come with the evaluation issue."""
