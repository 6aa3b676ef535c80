"""Cases: the workflow every channel shares (intake here; the full workflow in its own issue)."""
