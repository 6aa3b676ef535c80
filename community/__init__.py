"""The community's structure and its people: staff, roles and the demo community."""
