from tests.access import Rule, managers_only

ACCESS = {
    # Without a right password in this session there is no code to ask for: on to the
    # sign-in page; signed-in users go home.
    "login_code": Rule(302, 302, 302, 302),
    # Two-factor sign-in is for managers and staff.
    "security": managers_only(),
    "two_factor_setup": managers_only(),
    # A POST only; technicians are refused before the method is looked at.
    "two_factor_turn_off": Rule(302, 403, 405, 405),
}
