"""Members' writes: accounts and sign-in (auth), their own profile (profile)."""
from .auth import (  # noqa: F401
    login_normalise,
    member_identified,
    member_sign_in_password,
    member_sign_up,
    member_token_create,
    member_token_revoke,
    password_reset_confirm,
    password_reset_request,
    sign_in_code_request,
    sign_in_code_verify,
)
from .profile import device_register, member_consents_update, member_profile_update, survey_submit  # noqa: F401
