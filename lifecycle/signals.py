from django.dispatch import Signal

# Sent after a recompute range commits new stage transitions.
# Arguments: occurred_on (date), member_id_range ((low, high) member ids, inclusive).
# Campaigns read the StageTransition rows of that day and range.
stage_transitions_recorded = Signal()
