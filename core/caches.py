"""What a cache call raises when Redis cannot be reached. The cache holds only what can be
lost (sign-in counters, import progress): callers catch these, log, and carry on."""

from redis.exceptions import RedisError

CACHE_ERRORS = (RedisError, OSError)
