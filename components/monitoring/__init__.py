"""Alarms, dashboards, Model Monitor and retraining triggers."""
