"""Cases: the workflow every channel shares: intake, actions, deadlines, escalation, notifications, rates."""
