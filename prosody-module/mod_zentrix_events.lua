-- mod_zentrix_events: forwards MUC room and occupant events to the Zentrix sidecar, and tells it who
-- is in which room (occupancy snapshots) so that it can reconcile after an outage.
--
-- Load it on the MUC component:
--   Component "conference.meet.example.org" "muc"
--       modules_enabled = { "zentrix_events" }
--
-- The wire format is docs/protocol.md, sections "Room events" and "Occupancy snapshot". One signed POST
-- carries one event, or a batch {"events":[...]} of up to zentrix_batch_max when several are waiting (a
-- snapshot always alone); one request in flight at a time from a bounded FIFO queue, so the sidecar sees
-- each room's events in order. GET <http_paths.zentrix_events or /zentrix_events>/rooms on Prosody's HTTP
-- port answers a signed request with the current occupancy.

local http = require "net.http";
local http_server = require "net.http.server";
local json = require "util.json";
local array = require "util.array";
local uuid = require "util.uuid";
local hashes = require "util.hashes";
local base64 = require "util.encodings".base64;
local st = require "util.stanza";
local jid_util = require "util.jid";
local normalize_path = require "util.http".normalize_path;
local portmanager = require "core.portmanager";
local modulemanager = require "core.modulemanager";
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
local max_clock_skew = module:get_option_number("zentrix_max_clock_skew", 300) or 300;
local batch_max = math.floor(module:get_option_number("zentrix_batch_max", 100) or 100);
-- How long POST <base>/jibri waits for the focus (Jicofo) to answer the Jibri IQ.
local jibri_iq_timeout = module:get_option_number("zentrix_jibri_iq_timeout", 20) or 20;

local RETRY_FIRST_DELAY = 0.5;
local SIDECAR_BATCH_MAX = 500; -- the sidecar refuses larger batches (docs/protocol.md, "Batches")
local HEALTH_CHECK_PREFIX = "__jicofo-health-check";
local NICK_NS = "http://jabber.org/protocol/nick";
local JIGASI_NS = "http://jitsi.org/protocol/jigasi";
local JIBRI_NS = "http://jitsi.org/protocol/jibri";
local SNAPSHOT = "snapshot";
local BATCH = "batch";
local WANT_SNAPSHOT_HEADER = "x-zentrix-want-snapshot"; -- net.http lower-cases response header names

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
if batch_max < 1 then batch_max = 1; end
if batch_max > SIDECAR_BATCH_MAX then
	module:log("warn", "zentrix_batch_max %d is above the sidecar's limit; using %d", batch_max, SIDECAR_BATCH_MAX);
	batch_max = SIDECAR_BATCH_MAX;
end

local function now_ms()
	return math.floor(time_now() * 1000);
end

local function hmac_hex(payload)
	return hashes.hmac_sha256(secret, payload, true);
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

-- Occupancy snapshot ---------------------------------------------------------------------------------
-- Who is in which live room right now, with the identity cached at join (an occupant who joined before
-- this module was loaded is described from its current presence, and that is cached from then on).

local function live_rooms()
	local muc = hosts[module.host] and hosts[module.host].modules.muc;
	if not (muc and muc.live_rooms) then
		return function () return nil; end;
	end
	return muc.live_rooms();
end

-- The protocol's "recording" object from a <jibri-recording-status/> element.
local function recording_fields(status)
	local a = status.attr;
	return {
		status = a.status;
		session_id = a.session_id;
		failure_reason = a.failure_reason;
		initiator = a.initiator;
		recording_mode = a.recording_mode;
	};
end

-- The room's recording as Jicofo shows it now: the jibri-recording-status extension in the focus's current
-- presence (Jicofo replaces it on every change and keeps the last one, off included: jitsi/jicofo
-- ChatRoomImpl.setPresenceExtension, JibriRecorder.publishJibriRecordingStatus). Read from the presence
-- rather than from the events sent, so that it holds after a reload too. nil: no focus or no status.
local function recording_now(room)
	local focus = room:get_occupant_by_nick(room.jid .. "/focus");
	local presence = focus and focus:get_presence();
	local status = presence and presence:get_child("jibri-recording-status", JIBRI_NS);
	return status and recording_fields(status) or nil;
end

local function snapshot_rooms()
	local rooms = array();
	for room in live_rooms() do
		local destroyed = room.zentrix_events and room.zentrix_events.destroyed;
		if not is_health_check(room) and not destroyed then
			local state = room_state(room);
			local occupants = array();
			for nick, occupant in room:each_occupant() do
				local info = state.occupants[nick];
				if not info then
					info = identity_at_join({ room = room, occupant = occupant, stanza = occupant:get_presence() });
					state.occupants[nick] = info;
				end
				occupants:push(info);
			end
			occupants:sort(function (a, b) return a.nick < b.nick; end);
			rooms:push({
				jid = room.jid;
				name = jid_util.node(room.jid);
				instance = state.instance;
				seq = state.seq;
				occupants = occupants;
				recording = recording_now(room);
			});
		end
	end
	rooms:sort(function (a, b) return a.jid < b.jid; end);
	return rooms;
end

local function count_occupants(rooms)
	local n = 0;
	for _, room in ipairs(rooms) do n = n + #room.occupants; end
	return n;
end

-- A queue entry carrying the occupancy as of now; its place in the queue is its place in the stream.
local function snapshot_entry(reason)
	local id = uuid.generate();
	local rooms = snapshot_rooms();
	module:log("info", "Queueing snapshot id=%s (%s): %d room(s), %d occupant(s)",
		id, reason, #rooms, count_occupants(rooms));
	return {
		id = id;
		type = SNAPSHOT;
		room = "*";
		body = json.encode({ id = id, type = SNAPSHOT, ts = now_ms(), rooms = rooms });
	};
end

-- Delivery: a FIFO queue with one request in flight -------------------------------------------------
-- An entry is { id, type, room, body }. The body is encoded once; the signature is made per attempt
-- so that a long outage does not push the timestamp outside the sidecar's allowed clock skew. When more
-- than one event waits, up to batch_max of them go out as one batch entry { type = "batch", events,
-- body } (never a snapshot: it travels alone). A batch the sidecar refuses (4xx) is taken apart and
-- its events re-sent one by one, so one bad event cannot take good ones with it.

local queue = { first = 1, last = 0 }; -- waiting entries, not counting the one in flight
local waiting_snapshots = 0;            -- snapshot entries among them
local in_flight;                        -- the entry or batch being delivered (sent or waiting for a retry)
local singly = {};                      -- events of a refused batch, to re-send one by one before the queue
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
	if entry.type == SNAPSHOT then waiting_snapshots = waiting_snapshots - 1; end
	return entry;
end

-- The oldest waiting entry, without taking it.
local function queue_peek()
	return queue[queue.first];
end

local function queue_append(entry)
	queue.last = queue.last + 1;
	queue[queue.last] = entry;
	if entry.type == SNAPSHOT then waiting_snapshots = waiting_snapshots + 1; end
end

-- A full queue falls back to a snapshot, never to silence: everything waiting (and the new entry) is
-- dropped and one snapshot, taken now, stands in for it. The entry in flight is kept.
local function queue_push(entry)
	if queue_length() < queue_max then
		queue_append(entry);
		return;
	end
	local dropped, oldest = queue_length() + 1, queue[queue.first];
	queue = { first = 1, last = 0 };
	waiting_snapshots = 0;
	local snapshot = snapshot_entry("after queue overflow");
	module:log("error", "Event queue full (%d waiting): dropped %d undelivered event(s), oldest id=%s type=%s"
		.. " room=%s, newest id=%s type=%s room=%s; snapshot id=%s replaces them", queue_max, dropped,
		oldest.id, oldest.type, oldest.room, entry.id, entry.type, entry.room, snapshot.id);
	queue_append(snapshot);
end

local send_next, attempt;

local function sign_headers(body)
	local timestamp = tostring(os.time());
	return {
		["Content-Type"] = "application/json";
		["X-Zentrix-Timestamp"] = timestamp;
		["X-Zentrix-Signature"] = "sha256=" .. hmac_hex(timestamp .. "." .. body);
	};
end

local function enqueue(entry)
	queue_push(entry);
	send_next();
end

-- Load, reload and the sidecar's X-Zentrix-Want-Snapshot ask for a snapshot; one waiting is enough,
-- since everything queued after it follows it in the stream.
local function request_snapshot(reason)
	if waiting_snapshots > 0 then
		module:log("debug", "Snapshot (%s) not queued: one is already waiting", reason);
		return;
	end
	enqueue(snapshot_entry(reason));
end

local function schedule_retry(entry)
	module:log("debug", "Retrying %s id=%s in %gs", entry.type == BATCH and "batch" or "event", entry.id, retry_delay);
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

-- The batch's part of its log lines: how many events, the first and the last.
local function describe_batch(entry)
	local events = entry.events;
	return ("batch of %d events (id=%s type=%s room=%s … id=%s type=%s room=%s)"):format(#events,
		events[1].id, events[1].type, events[1].room, events[#events].id, events[#events].type, events[#events].room);
end

local function on_batch_result(entry, body, code)
	if code >= 200 and code < 300 then
		module:log("debug", "Delivered %s (%d) %s", describe_batch(entry), code, brief(body));
	elseif code == 0 or code >= 500 then
		module:log("warn", "Sending %s failed (%s: %s); will retry in %gs", describe_batch(entry),
			code == 0 and "transport error" or ("HTTP " .. code), brief(body), retry_delay);
		schedule_retry(entry);
		return;
	else
		-- The sidecar takes a batch whole or not at all: send each event on its own, so that only the bad
		-- one is refused (and logged) and the others are delivered.
		module:log("warn", "Sidecar refused %s: HTTP %d %s; sending them one by one", describe_batch(entry), code,
			brief(body));
		for i, event in ipairs(entry.events) do
			table.insert(singly, i, event);
		end
	end
	in_flight = nil;
	retry_delay = RETRY_FIRST_DELAY;
	send_next();
end

local function on_result(entry, body, code, wants_snapshot)
	if wants_snapshot then
		if entry.type == SNAPSHOT then
			-- The answer to a snapshot asking for another would loop; it just got one.
			module:log("debug", "Ignoring %s on the answer to snapshot id=%s", WANT_SNAPSHOT_HEADER, entry.id);
		else
			request_snapshot(("requested by the sidecar in its answer to %s id=%s"):format(
				entry.type == BATCH and "the batch starting with event" or "event", entry.id));
		end
	end
	if entry.type == BATCH then
		on_batch_result(entry, body, code);
		return;
	end
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
	local function finish(body, code, wants_snapshot)
		if this.done then return; end
		this.done = true;
		current_attempt = nil;
		if this.timer then this.timer:stop(); end
		on_result(entry, body, code, wants_snapshot);
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
	}, function (body, code, response)
		code = tonumber(code) or 0;
		local want = code ~= 0 and response and response.headers and response.headers[WANT_SNAPSHOT_HEADER];
		finish(body, code, want ~= nil and tostring(want):match("^%s*1%s*$") ~= nil);
	end);
	if ok then
		this.request = request;
	else
		finish(request, 0); -- e.g. https without LuaSec: keep the queue moving through the retry path
	end
end

-- Events waiting behind the first one go with it, up to batch_max, up to the next snapshot.
local function take_batch(first)
	local events = { first };
	while #events < batch_max do
		local next_entry = queue_peek();
		if not next_entry or next_entry.type == SNAPSHOT then break; end
		events[#events + 1] = queue_pop();
	end
	if #events == 1 then return first; end
	local bodies = {};
	for i, event in ipairs(events) do bodies[i] = event.body; end
	return {
		id = first.id;
		type = BATCH;
		room = first.room;
		events = events;
		body = '{"events":[' .. table.concat(bodies, ",") .. "]}";
	};
end

function send_next()
	if in_flight then return; end
	if singly[1] then
		in_flight = table.remove(singly, 1);
	else
		in_flight = queue_pop();
		if in_flight and in_flight.type ~= SNAPSHOT then
			in_flight = take_batch(in_flight);
		end
	end
	if in_flight then
		attempt(in_flight);
	end
end

-- Everything not yet delivered, oldest first, as single entries (a batch in flight is taken apart).
local function pending_entries()
	local pending = {};
	if in_flight and in_flight.type == BATCH then
		for _, event in ipairs(in_flight.events) do pending[#pending + 1] = event; end
	elseif in_flight then
		pending[1] = in_flight;
	end
	for _, event in ipairs(singly) do pending[#pending + 1] = event; end
	for i = queue.first, queue.last do
		pending[#pending + 1] = queue[i];
	end
	return pending;
end

-- On a reload (prosodyctl shell "module:reload(...)") the undelivered events move to the new instance,
-- and a snapshot follows them (Prosody calls restore after running the new module's body).
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
	request_snapshot("module reloaded");
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

-- Room and occupant events ---------------------------------------------------------------------------

local function emit(room, event_type, occupant_info, recording)
	local state = room_state(room);
	state.seq = state.seq + 1;
	local id = uuid.generate();
	local body = json.encode({
		id = id;
		type = event_type;
		seq = state.seq;
		ts = now_ms();
		room = { jid = room.jid, name = jid_util.node(room.jid), instance = state.instance };
		occupant = occupant_info;
		recording = recording;
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

-- Jicofo publishes the room's recording status in the focus's own presence
-- (<jibri-recording-status xmlns='http://jitsi.org/protocol/jibri' status session_id failure_reason
-- initiator/>, jitsi/jicofo JibriRecorder.kt publishJibriRecordingStatus). The focus re-sends its
-- presence for other reasons too: only a change of status, session or failure becomes an event.
module:hook("muc-broadcast-presence", function (event)
	local room, occupant, stanza = event.room, event.occupant, event.stanza;
	if is_health_check(room) or not stanza or jid_util.resource(occupant.nick) ~= "focus" then return; end
	local status = stanza:get_child("jibri-recording-status", JIBRI_NS);
	if not status then return; end
	local a = status.attr;
	local key = table.concat({ a.status or "", a.session_id or "", a.failure_reason or "" }, "|");
	local state = room_state(room);
	if state.recording_status == key then return; end
	state.recording_status = key;
	module:log("info", "Recording status in %s: %s session=%s failure=%s", room.jid, tostring(a.status),
		tostring(a.session_id), tostring(a.failure_reason));
	emit(room, "recording-status", nil, recording_fields(status));
end);

module:hook("muc-room-destroyed", function (event)
	local room = event.room;
	if is_health_check(room) then return; end
	-- mod_muc forgets the room in a handler of the same priority, in no fixed order: a snapshot taken
	-- meanwhile (queue overflow) must not list it.
	room_state(room).destroyed = true;
	emit(room, "room-destroyed");
	room.zentrix_events = nil;
end);

-- Occupancy endpoint: GET <base>/rooms ----------------------------------------------------------------
-- Hooked on the HTTP server's host-independent event rather than through module:provides("http"):
-- Prosody routes a provided app by the request's Host header (here the MUC domain), and a sidecar
-- calling http://127.0.0.1:5280/... would get 404 "Unknown host". The base path follows Prosody's own
-- http_paths option (component section first, then global), default /zentrix_events.

module:depends("http");

local function configured_base_path()
	local host_paths = module:get_option("http_paths");
	local global_paths = module:context("*"):get_option("http_paths");
	local path = type(host_paths) == "table" and host_paths[module.name]
		or type(global_paths) == "table" and global_paths[module.name]
		or "/" .. module.name;
	return normalize_path((tostring(path):gsub("%$host", module.host)));
end

local base_path = configured_base_path();
local rooms_path = (base_path == "/" and "" or base_path) .. "/rooms";

local function json_reply(response, status, body)
	response.status_code = status;
	response.headers.content_type = "application/json";
	response.headers.cache_control = "no-store";
	return body;
end

-- The events' HMAC scheme over a request line: "GET <path>" (path without the query string), or
-- "POST <path>\n<body>" for requests with a body.
local function check_signature(headers, payload)
	local timestamp, signature = headers.x_zentrix_timestamp, headers.x_zentrix_signature;
	if type(timestamp) ~= "string" or not timestamp:match("^%d+$") or #timestamp > 15 then
		return false, "missing or malformed X-Zentrix-Timestamp";
	end
	local skew = math.abs(os.time() - tonumber(timestamp));
	if skew > max_clock_skew then
		return false, ("timestamp %ds away from this clock"):format(skew);
	end
	if type(signature) ~= "string" then
		return false, "missing X-Zentrix-Signature";
	end
	if not hashes.equals(signature, "sha256=" .. hmac_hex(timestamp .. "." .. payload)) then
		return false, "wrong signature";
	end
	return true;
end

-- The 401 answer for a request whose signature does not hold (the same for every reason; the reason is
-- logged), or nil when it holds.
local function refuse_unsigned(request, response, payload, what)
	local ok, why = check_signature(request.headers, payload);
	if ok then return nil; end
	module:log("warn", "Refused %s request from %s: %s", what, request.ip, why);
	return json_reply(response, 401, json.encode({
		error = "unauthorized";
		message = "missing or invalid X-Zentrix-Signature";
	}));
end

module:hook_object_event(http_server, "GET " .. rooms_path, function (event)
	local request, response = event.request, event.response;
	local refused = refuse_unsigned(request, response, "GET " .. rooms_path, "occupancy");
	if refused then return refused; end
	local rooms = snapshot_rooms();
	module:log("debug", "Occupancy request from %s: %d room(s), %d occupant(s)",
		request.ip, #rooms, count_occupants(rooms));
	return json_reply(response, 200, json.encode({ ts = now_ms(), rooms = rooms }));
end);

-- Participants are told: POST <base>/notice ---------------------------------------------------------------
-- When a session starts recording, the sidecar asks for a visible notice in the room (issue: privacy,
-- "participants are told"): a groupchat message from the room itself to every occupant, so every Jitsi
-- Meet client shows it in the chat. Body {"room": "<room jid>", "text": "…"}; signed like the other
-- endpoints ("POST <path>\n<body>").

local notice_path = (base_path == "/" and "" or base_path) .. "/notice";

module:hook_object_event(http_server, "POST " .. notice_path, function (event)
	local request, response = event.request, event.response;
	local body = request.body or "";
	local refused = refuse_unsigned(request, response, "POST " .. notice_path .. "\n" .. body, "notice");
	if refused then return refused; end
	local req = json.decode(body);
	if type(req) ~= "table" or type(req.room) ~= "string" or type(req.text) ~= "string" or req.text == ""
		or #req.text > 2000 then
		return json_reply(response, 400, json.encode({ error = "bad_request",
			message = "body needs 'room' (a room JID) and 'text' (1-2000 characters)" }));
	end
	local muc = hosts[module.host] and hosts[module.host].modules.muc;
	local room = muc and muc.get_room_from_jid and muc.get_room_from_jid(req.room);
	if not room then
		return json_reply(response, 404, json.encode({ error = "no-room", message = "no room " .. req.room }));
	end
	room:broadcast_message(st.message({ type = "groupchat", from = room.jid, id = uuid.generate() })
		:tag("body"):text(req.text):up());
	module:log("info", "Recording notice sent to %s", room.jid);
	return json_reply(response, 200, json.encode({ sent = true }));
end);

-- Recording through Jicofo: POST <base>/jibri -------------------------------------------------------------
-- The sidecar asks for Jitsi's Jibri IQ to be sent to the room's focus from a staff occupant's own
-- session, the way a moderator's Jitsi Meet client sends it (jitsi/lib-jitsi-meet
-- modules/recording/JibriSession; prior art: jitsi-contrib/prosody-plugins jibri_autostart). The MUC
-- rewrites the sender to the occupant's in-room JID, so Jicofo applies its own moderator check, picks a
-- Jibri and shows the recording to everyone. Jicofo's answer comes back to that in-room JID; it is taken
-- here (by our id inside the MUC's rewritten id) and becomes the HTTP response. docs/protocol.md,
-- "Recording through Jicofo".

local jibri_path = (base_path == "/" and "" or base_path) .. "/jibri";
local IQ_ID_PREFIX = "zentrix-jibri-";
local pending_iqs = {}; -- our IQ id -> { timer, answer = function (stanza) }

local function get_room(room_jid)
	local muc = hosts[module.host] and hosts[module.host].modules.muc;
	return muc and muc.get_room_from_jid and muc.get_room_from_jid(room_jid);
end

-- The occupant to send as: the one named while present; for a stop, when that one has gone, any other
-- moderator (Jicofo accepts a stop only from a moderator occupant).
local function sender_for(room, nick, action)
	local occupant = type(nick) == "string" and room:get_occupant_by_nick(nick);
	if occupant then return occupant; end
	if action ~= "stop" then return nil; end
	for _, o in room:each_occupant() do
		if o.role == "moderator" and jid_util.resource(o.nick) ~= "focus" then return o; end
	end
	return nil;
end

-- Jitsi lets a token holder start a recording only with the recording feature, and where
-- mod_filter_iq_jibri is loaded only token holders at all (jitsi-meet resources/prosody-plugins:
-- mod_filter_iq_jibri.lua, util.lib.lua is_feature_allowed: no features in the token = everything
-- allowed, else the feature must be true). Those filters see only what a client sends; our IQ leaves
-- through module:send, so the same rule is applied here, before anything is sent.
local function recording_refusal(sender)
	local session = full_sessions[sender.jid];
	if not session then return nil; end
	local filtered = modulemanager.is_loaded(session.host, "filter_iq_jibri");
	if filtered and session.auth_token == nil then
		return "the operator has no token, and this host lets only token holders record (mod_filter_iq_jibri)";
	end
	local features = session.auth_token and session.jitsi_meet_context_features;
	if type(features) == "table" and features.recording ~= true and features.recording ~= "true" then
		return "the operator's token does not grant the recording feature (context.features.recording)";
	end
	return nil;
end

local function jibri_error(response, status, code, message)
	module:log("info", "Jibri request refused: %s (%s)", code, message);
	return json_reply(response, status, json.encode({ error = code, message = message }));
end

module:hook_object_event(http_server, "POST " .. jibri_path, function (event)
	local request, response = event.request, event.response;
	local body = request.body or "";
	local refused = refuse_unsigned(request, response, "POST " .. jibri_path .. "\n" .. body, "Jibri");
	if refused then return refused; end
	local req = json.decode(body);
	if type(req) ~= "table" then return jibri_error(response, 400, "bad_request", "body must be a JSON object"); end
	local action = req.action;
	if action ~= "start" and action ~= "stop" then
		return jibri_error(response, 400, "bad_request", "field 'action' must be start or stop");
	end
	if type(req.room) ~= "string" then return jibri_error(response, 400, "bad_request", "field 'room' is missing"); end
	local room = get_room(req.room);
	if not room then return jibri_error(response, 404, "no-room", "no room " .. req.room .. " on " .. module.host); end
	local focus = room:get_occupant_by_nick(room.jid .. "/focus");
	if not focus then
		return jibri_error(response, 409, "no-focus", "no focus in " .. room.jid .. " (Jicofo is not in the room)");
	end
	local sender = sender_for(room, req.occupant, action);
	if not sender then
		return jibri_error(response, 409, "not-in-room", tostring(req.occupant) .. " is not in " .. room.jid
			.. (action == "stop" and " and no other moderator is" or ""));
	end

	local refusal = action == "start" and recording_refusal(sender);
	if refusal then return jibri_error(response, 403, "no-recording-feature", refusal); end

	local id = IQ_ID_PREFIX .. uuid.generate();
	local attrs = { xmlns = JIBRI_NS, action = action, recording_mode = "file" };
	if action == "start" and type(req.app_data) == "string" then attrs.app_data = req.app_data; end
	if type(req.session_id) == "string" then attrs.session_id = req.session_id; end
	local entry = {};
	local function answer(status, reply)
		if pending_iqs[id] ~= entry then return; end
		pending_iqs[id] = nil;
		if entry.timer then entry.timer:stop(); end
		json_reply(response, status, nil);
		response:send(json.encode(reply));
	end
	entry.answer = function (stanza)
		local sent_for = { focus = focus.nick, sender = sender.nick };
		if stanza.attr.type == "result" then
			local jibri = stanza:get_child("jibri", JIBRI_NS);
			local session_id = jibri and jibri.attr.session_id;
			module:log("info", "Jibri %s in %s accepted by the focus: session=%s", action, room.jid, tostring(session_id));
			answer(200, { type = "result", session_id = session_id, focus = sent_for.focus, sender = sent_for.sender });
		else
			local error_type, condition, text = stanza:get_error();
			if not text then
				-- Smack 4.4 (Jicofo's XMPP library) may drop the stanzas namespace from <text/> on the
				-- wire; take the text wherever it is.
				local error_tag = stanza:get_child("error");
				local text_tag = error_tag and error_tag:get_child("text");
				text = text_tag and text_tag:get_text();
			end
			module:log("info", "Jibri %s in %s refused by the focus: %s %s", action, room.jid, tostring(condition),
				tostring(text));
			answer(200, { type = "error", error_type = error_type, condition = condition, text = text,
				focus = sent_for.focus, sender = sent_for.sender });
		end
	end
	entry.timer = module:add_timer(jibri_iq_timeout, function ()
		module:log("warn", "The focus of %s did not answer Jibri %s id=%s within %gs", room.jid, action, id,
			jibri_iq_timeout);
		answer(504, { error = "timeout"; message = "the focus did not answer within " .. jibri_iq_timeout .. " s" });
	end);
	pending_iqs[id] = entry;
	module:log("info", "Sending Jibri %s to %s as %s (%s) id=%s", action, focus.nick, sender.nick, sender.jid, id);
	module:send(st.iq({ type = "set", id = id, from = sender.jid, to = focus.nick }):tag("jibri", attrs):up());
	return true; -- answered when the focus replies (or on timeout)
end);

-- The focus's reply reaches the sender's in-room JID with the id the MUC built:
-- base64(<focus real JID> \0 <our id> \0 <hash>) (bjc/prosody plugins/muc/muc.lib.lua,
-- handle_iq_to_occupant). Ours are taken here, ahead of mod_muc (priority -2), and not passed on.
module:hook("iq/full", function (event)
	local stanza = event.stanza;
	local t = stanza.attr.type;
	if (t ~= "result" and t ~= "error") or next(pending_iqs) == nil then return; end
	local ok, decoded = pcall(base64.decode, stanza.attr.id or "");
	local orig_id = ok and type(decoded) == "string" and decoded:match("^%Z+%z(%Z*)%z.+$");
	local entry = orig_id and pending_iqs[orig_id];
	if not entry then return; end
	entry.answer(stanza);
	return true;
end, 10);

local function rooms_urls()
	local urls = {};
	local services = portmanager.get_active_services();
	for _, scheme in ipairs({ "http", "https" }) do
		for interface, ports in pairs(services:get(scheme) or {}) do
			for port in pairs(ports) do
				local address = interface:find(":", 1, true) and ("[" .. interface .. "]") or interface;
				urls[#urls + 1] = ("%s://%s:%d%s"):format(scheme, address, port, rooms_path);
			end
		end
	end
	return #urls > 0 and table.concat(urls, ", ") or ("nowhere yet (no http ports) for " .. rooms_path);
end

-- Start-up ---------------------------------------------------------------------------------------------

-- A fresh load (Prosody start, module:load) tells the sidecar where things stand; on a reload the
-- snapshot comes from module.restore, behind the events taken over.
if not module.reloading then
	request_snapshot("module loaded");
end

module:log("info", "Forwarding room events to %s (hidden domains: %s; queue max %d; batch max %d; retry max %gs;"
	.. " timeout %gs); occupancy at %s", events_url, tostring(hidden_domains), queue_max, batch_max, retry_max_delay,
	request_timeout, rooms_urls());
