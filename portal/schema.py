"""How the OpenAPI schema describes the member token (imported by PortalConfig.ready)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class MemberTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.auth.MemberTokenAuthentication"
    name = "MemberToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "`Bearer <prefix>.<secret>`, returned by the sign-in endpoints."}
