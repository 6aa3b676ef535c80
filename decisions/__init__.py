"""征询/表决: consultations of a scope's households, their voices and the rules that decide."""
