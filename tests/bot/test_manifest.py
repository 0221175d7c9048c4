"""manifest.yml asks for what the bot uses: its events, scopes, command, interactivity, Socket Mode."""

from __future__ import annotations

import yaml

from bot.listeners.commands import COMMAND
from tests.support.bot_server import ROOT


def test_manifest_matches_the_bot():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.channels",
        "message.groups",
        "message.im",
    }
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read",
        "channels:history",
        "groups:history",
        "im:history",
        "chat:write",
        "commands",
    }
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "FindProject"
