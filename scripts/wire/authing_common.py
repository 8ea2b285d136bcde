"""What both Authing areas share: the application, pool, user and token of the fixtures."""

APP_ID = "wire-app"
POOL_ID = "wire-pool"
USER_TOKEN = "wire-user-token"
USER_ID = "wire-user-1"

# The password-encryption key both sides use (polyauth-testkit's emulator key); the
# ciphertexts are random anyway and masked.
ENC_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDYbH9As9azt+DNc/26fYFfcS6u
aVfTEFGPKDQ4vgxd0CyJQ0XLTcuUJBgLN1jemGYaqfk1O6e+C+jPxEo1Q2wff+By
JeAsjZ7jlR59/Iqu1dEY9AtGzcQ8NOGyrVHyZxIcIBtjHTHwQjO1NlYZL4lDDG+l
PmOGV4n4NKZCSXp55wIDAQAB
-----END PUBLIC KEY-----
"""
