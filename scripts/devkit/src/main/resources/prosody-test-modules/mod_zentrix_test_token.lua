-- Test and dev stand-in for what Jitsi's token authentication leaves on a client session, for accounts
-- listed in zentrix_test_tokens: session.auth_token, session.jitsi_meet_context_user (the JWT's
-- context.user) and session.jitsi_meet_context_features (its context.features), as jitsi-meet's
-- resources/prosody-plugins/mod_auth_token.lua and token/util.lib.lua (process_and_verify_token) set
-- them once a token is verified. It verifies nothing: never load it on a real host.
--
--   zentrix_test_tokens = { marko = { user = { id = "u-7", name = "Марко", moderator = true },
--                                     features = { recording = "false" } } }

local tokens = module:get_option("zentrix_test_tokens", {});

module:hook("resource-bind", function (event)
	local session = event.session;
	local token = tokens[session.username];
	if type(token) ~= "table" then return; end
	session.auth_token = "zentrix-test-token-" .. session.username;
	session.jitsi_meet_context_user = token.user;
	session.jitsi_meet_context_features = token.features;
	module:log("info", "test token for %s: features=%s", session.full_jid,
		token.features and "present" or "none");
end);
