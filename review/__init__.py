"""Offline stack review: render under mocks, check policy, diff, report."""
