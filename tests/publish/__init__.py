"""Tests of supportctl.publish."""
