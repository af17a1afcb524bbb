"""Settings: secrets left at a placeholder are refused before anything starts."""
import pytest
from pydantic import ValidationError

from shared.config import Settings
from shared.signing import new_private_key_b64


@pytest.mark.parametrize("value", ["REPLACE_ME", "replace-me-with-a-real-token", "changeme", "secret", "short"])
def test_a_placeholder_organiser_token_is_refused(value):
    with pytest.raises(ValidationError, match="ORGANISER_TOKEN is a placeholder"):
        Settings(organiser_token=value)


def test_a_real_secret_or_none_is_accepted():
    assert Settings(organiser_token="k3J9x-Lq0Zr8TfVw2yB1").organiser_token == "k3J9x-Lq0Zr8TfVw2yB1"
    assert Settings(organiser_token=None, signing_key=new_private_key_b64()).organiser_token is None
    with pytest.raises(ValidationError, match="SIGNING_KEY"):
        Settings(signing_key="REPLACE_ME")
