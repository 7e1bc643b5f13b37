"""Values shared by fixtures and tests."""

PASSWORD = "correct-horse-battery"
