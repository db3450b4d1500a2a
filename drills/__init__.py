"""Fault drills: the real frontend under outages, storms, restarts and kills, losing nothing."""
