-- mod_zentrix_events: forwards MUC room and occupant events to the Zentrix sidecar.
--
-- Load it on the MUC component:
--   Component "conference.meet.example.org" "muc"
--       modules_enabled = { "zentrix_events" }
--
-- The wire format is docs/protocol.md, section "Room events". One event per signed POST; one request
-- in flight at a time from a bounded FIFO queue, so the sidecar sees each room's events in order.

local http = require "net.http";
local json = require "util.json";
local uuid = require "util.uuid";
local hashes = require "util.hashes";
local jid_util = require "util.jid";
local time_now = require "util.time".now;

local hosts = prosody.hosts;
local full_sessions = prosody.full_sessions;

-- Options, read once at load ----------------------------------------------------------------------

local events_url = module:get_option_string("zentrix_events_url");
local secret = module:get_option_string("zentrix_events_secret");
local secret_file = module:get_option_path("zentrix_events_secret_file", nil, "config");
-- "conference.meet.example.org" -> "meet.example.org"
local parent_domain = module.host:gsub("^[^.]+%.", "", 1);
local hidden_domains = module:get_option_set("zentrix_hidden_domains", { "recorder." .. parent_domain });
-- get_option_number logs and returns nil for a value it cannot read; fall back to the default then.
local queue_max = math.floor(module:get_option_number("zentrix_queue_max", 10000) or 10000);
local retry_max_delay = module:get_option_number("zentrix_retry_max_delay", 30) or 30;
local request_timeout = module:get_option_number("zentrix_request_timeout", 10) or 10;

local RETRY_FIRST_DELAY = 0.5;
local HEALTH_CHECK_PREFIX = "__jicofo-health-check";
local NICK_NS = "http://jabber.org/protocol/nick";
local JIGASI_NS = "http://jitsi.org/protocol/jigasi";

if not events_url then
	module:log("error", "zentrix_events_url is not set; zentrix_events is disabled on %s", module.host);
	return;
end
if not events_url:match("^https?://[^/]") then
	module:log("error", "zentrix_events_url %q is not an http(s) URL; zentrix_events is disabled", events_url);
	return;
end

if not secret and secret_file then
	local f, err = io.open(secret_file, "r");
	if not f then
		module:log("error", "Cannot read zentrix_events_secret_file %s: %s; zentrix_events is disabled", secret_file, err);
		return;
	end
	secret = f:read("a"):match("^%s*(.-)%s*$");
	f:close();
end
if not secret or secret == "" then
	module:log("error", "Neither zentrix_events_secret nor zentrix_events_secret_file is set (or it is empty);"
		.. " zentrix_events is disabled");
	return;
end

if queue_max < 1 then queue_max = 1; end

-- Delivery: a FIFO queue with one request in flight -------------------------------------------------
-- An entry is { id, type, room, body }. The body is encoded once; the signature is made per attempt
-- so that a long outage does not push the timestamp outside the sidecar's allowed clock skew.

local queue = { first = 1, last = 0 }; -- waiting entries, not counting the one in flight
local in_flight;                        -- the entry being delivered (sent or waiting for a retry)
local current_attempt;                  -- { request, timer, done } of the running HTTP request
local retry_timer;
local retry_delay = RETRY_FIRST_DELAY;

local function queue_length()
	return queue.last - queue.first + 1;
end

local function queue_pop()
	if queue.first > queue.last then return nil; end
	local entry = queue[queue.first];
	queue[queue.first] = nil;
	queue.first = queue.first + 1;
	return entry;
end

local function queue_push(entry)
	if queue_length() >= queue_max then
		local dropped = queue_pop();
		module:log("error", "Event queue full (%d); dropped the oldest event id=%s type=%s room=%s",
			queue_max, dropped.id, dropped.type, dropped.room);
	end
	queue.last = queue.last + 1;
	queue[queue.last] = entry;
end

local send_next, attempt;

local function sign_headers(body)
	local timestamp = tostring(os.time());
	return {
		["Content-Type"] = "application/json";
		["X-Zentrix-Timestamp"] = timestamp;
		["X-Zentrix-Signature"] = "sha256=" .. hashes.hmac_sha256(secret, timestamp .. "." .. body, true);
	};
end

local function schedule_retry(entry)
	module:log("debug", "Retrying event id=%s in %gs", entry.id, retry_delay);
	retry_timer = module:add_timer(retry_delay, function ()
		retry_timer = nil;
		attempt(entry);
	end);
	retry_delay = math.min(retry_delay * 2, retry_max_delay);
end

-- Response bodies go into log lines; an HTML error page should not flood the log.
local function brief(body)
	body = tostring(body);
	if #body > 300 then body = body:sub(1, 300) .. "…"; end
	return body;
end

local function on_result(entry, body, code)
	if code >= 200 and code < 300 then
		module:log("debug", "Delivered event id=%s type=%s room=%s (%d)", entry.id, entry.type, entry.room, code);
	elseif code == 0 or code >= 500 then
		module:log("warn", "Sending event id=%s type=%s room=%s failed (%s: %s); will retry in %gs",
			entry.id, entry.type, entry.room, code == 0 and "transport error" or ("HTTP " .. code),
			brief(body), retry_delay);
		schedule_retry(entry);
		return;
	else
		-- 4xx (and anything else unexpected): retrying cannot help; the sidecar says why.
		module:log("error", "Sidecar refused event id=%s type=%s room=%s: HTTP %d %s",
			entry.id, entry.type, entry.room, code, brief(body));
	end
	in_flight = nil;
	retry_delay = RETRY_FIRST_DELAY;
	send_next();
end

function attempt(entry)
	local this = { done = false };
	current_attempt = this;
	local function finish(body, code)
		if this.done then return; end
		this.done = true;
		current_attempt = nil;
		if this.timer then this.timer:stop(); end
		on_result(entry, body, code);
	end
	this.timer = module:add_timer(request_timeout, function ()
		if this.done then return; end
		-- net.http has no timeout of its own; closing the connection ends the request.
		if this.request then http.destroy_request(this.request); end
		finish("timed out after " .. request_timeout .. "s", 0);
	end);
	local ok, request = pcall(http.request, events_url, {
		method = "POST";
		body = entry.body;
		headers = sign_headers(entry.body);
		suppress_errors = true;
	}, function (body, code)
		finish(body, tonumber(code) or 0);
	end);
	if ok then
		this.request = request;
	else
		finish(request, 0); -- e.g. https without LuaSec: keep the queue moving through the retry path
	end
end

function send_next()
	if in_flight then return; end
	in_flight = queue_pop();
	if in_flight then
		attempt(in_flight);
	end
end

local function enqueue(entry)
	queue_push(entry);
	send_next();
end

local function pending_entries()
	local pending = {};
	if in_flight then pending[1] = in_flight; end
	for i = queue.first, queue.last do
		pending[#pending + 1] = queue[i];
	end
	return pending;
end

-- On a reload (prosodyctl shell "module:reload(...)") the undelivered events move to the new instance.
function module.save()
	return { pending = pending_entries() };
end

function module.restore(saved)
	local pending = saved and saved.pending or {};
	for _, entry in ipairs(pending) do
		queue_push(entry);
	end
	if #pending > 0 then
		module:log("info", "Took over %d undelivered event(s) from before the reload", #pending);
	end
	send_next();
end

function module.unload()
	if retry_timer then retry_timer:stop(); end
	if current_attempt then
		current_attempt.done = true;
		if current_attempt.timer then current_attempt.timer:stop(); end
		if current_attempt.request then http.destroy_request(current_attempt.request); end
	end
	local pending = #pending_entries();
	if pending > 0 and not module.reloading then
		module:log("warn", "Unloading with %d undelivered event(s); they are lost", pending);
	end
end

-- Rooms and occupants --------------------------------------------------------------------------------

local function is_health_check(room)
	return room.jid:sub(1, #HEALTH_CHECK_PREFIX) == HEALTH_CHECK_PREFIX;
end

-- Per room-object state: the instance id, the sequence counter and the identities seen at join.
local function room_state(room)
	local state = room.zentrix_events;
	if not state then
		state = { instance = uuid.generate(), seq = 0, occupants = {} };
		room.zentrix_events = state;
	end
	return state;
end

local function is_guest_host(host)
	local host_session = hosts[host];
	local provider = host_session and host_session.users;
	return provider ~= nil and provider.name == "anonymous";
end

local function classify(occupant, stanza, session, host)
	local node = jid_util.node(occupant.bare_jid);
	if jid_util.resource(occupant.nick) == "focus" or node == "focus" then
		return "focus";
	elseif hidden_domains:contains(host) then
		return "hidden";
	elseif stanza and stanza:get_child("initiator", JIGASI_NS) then
		return "jigasi";
	elseif session and session.auth_token then
		return "jwt";
	elseif is_guest_host(host) then
		return "guest";
	end
	return "authenticated";
end

-- The token's context.user, reduced to the fields the protocol names.
local function jwt_user(session)
	local user = session and session.auth_token and session.jitsi_meet_context_user;
	if type(user) ~= "table" then return nil; end
	return {
		id = user.id;
		name = user.name;
		email = user.email;
		moderator = user.moderator;
		affiliation = user.affiliation;
	};
end

local function identity_at_join(event)
	local room, occupant, stanza = event.room, event.occupant, event.stanza;
	local session = event.origin or full_sessions[occupant.jid];
	local host = jid_util.host(occupant.bare_jid);
	local display_name = stanza and stanza:get_child_text("nick", NICK_NS);
	if display_name == "" then display_name = nil; end
	return {
		nick = occupant.nick;
		endpoint = jid_util.resource(occupant.nick);
		display_name = display_name;
		jid = occupant.bare_jid;
		host = host;
		role = occupant.role;
		affiliation = room:get_affiliation(occupant.bare_jid) or "none";
		kind = classify(occupant, stanza, session, host);
		jwt = jwt_user(session);
	};
end

local function emit(room, event_type, occupant_info)
	local state = room_state(room);
	state.seq = state.seq + 1;
	local id = uuid.generate();
	local body = json.encode({
		id = id;
		type = event_type;
		seq = state.seq;
		ts = math.floor(time_now() * 1000);
		room = { jid = room.jid, name = jid_util.node(room.jid), instance = state.instance };
		occupant = occupant_info;
	});
	module:log("debug", "Queueing event id=%s type=%s seq=%d room=%s", id, event_type, state.seq, room.jid);
	enqueue({ id = id, type = event_type, room = room.jid, body = body });
end

module:hook("muc-room-created", function (event)
	local room = event.room;
	if is_health_check(room) then return; end
	emit(room, "room-created");
end);

module:hook("muc-occupant-joined", function (event)
	local room = event.room;
	if is_health_check(room) then return; end
	local info = identity_at_join(event);
	room_state(room).occupants[info.nick] = info;
	emit(room, "occupant-joined", info);
end);

-- Priority >= 0: mod_muc destroys an emptied room from its own muc-occupant-left hook at -1, and the
-- last occupant's leave must be queued before that room-destroyed.
module:hook("muc-occupant-left", function (event)
	local room = event.room;
	if is_health_check(room) then return; end
	local occupant = event.occupant;
	local nick = event.nick or occupant.nick;
	local occupants = room_state(room).occupants;
	local info = occupants[nick];
	if info then
		occupants[nick] = nil;
	else
		-- Joined before this module was loaded: report what is still known; the role is gone.
		info = identity_at_join({ room = room, occupant = occupant, origin = event.origin, stanza = event.stanza });
		info.display_name = nil;
		module:log("debug", "No join record for %s in %s; leave carries current identity only", nick, room.jid);
	end
	emit(room, "occupant-left", info);
end, 1);

module:hook("muc-room-destroyed", function (event)
	local room = event.room;
	if is_health_check(room) then return; end
	emit(room, "room-destroyed");
	room.zentrix_events = nil;
end);

module:log("info", "Forwarding room events to %s (hidden domains: %s; queue max %d; retry max %gs; timeout %gs)",
	events_url, tostring(hidden_domains), queue_max, retry_max_delay, request_timeout);
