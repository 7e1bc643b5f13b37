from apps.connectors.models.ratelimit import RateLimitBucket

__all__ = ["RateLimitBucket"]
