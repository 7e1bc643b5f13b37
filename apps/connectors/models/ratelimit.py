from django.db import models


class RateLimitBucket(models.Model):
    """Token bucket state shared by every web process and worker (see apps.connectors.ratelimit)."""

    key = models.CharField(max_length=200, primary_key=True)
    tokens = models.FloatField()
    updated_at = models.FloatField(help_text="time.time() of the last refill")

    def __str__(self) -> str:
        return self.key
