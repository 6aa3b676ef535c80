"""志愿服务: teams, activities with places and a waitlist, check-in by the leader's rotating QR,
confirmed hours, records and urgent calls (see README, "Volunteers")."""
