"""Independence of the evaluator: nobody judges a case they performed, held or declined, nor the
case of an officer with whom they declared a conflict."""

from __future__ import annotations

from collections.abc import Collection


def independence_refusal(evaluator_officer_id: str | None, performer_id: str | None,
                         case_officers: Collection[str], conflicts: Collection[str]) -> str | None:
    """Why this evaluator may not evaluate this case, in Vietnamese; None when they may.

    `case_officers` are every officer ever assigned to the case (declined or replaced included);
    `conflicts` the officers with whom the evaluator declared a conflict.
    """
    if evaluator_officer_id is None:
        return None
    if evaluator_officer_id == performer_id:
        return "Người đánh giá không được đánh giá vụ việc do chính mình thực hiện."
    if evaluator_officer_id in case_officers:
        return ("Người đánh giá đã từng được phân công hoặc đã từ chối vụ việc này nên không bảo đảm "
                "tính độc lập.")
    conflicted = sorted(o for o in ({performer_id} | set(case_officers)) - {None} if o in conflicts)
    if conflicted:
        return ("Người đánh giá đã kê khai xung đột lợi ích với người thực hiện vụ việc "
                f"({', '.join(conflicted)}).")
    return None
