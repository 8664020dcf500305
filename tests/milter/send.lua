-- send.lua - miltertest driver: sends one message file to a running
-- tlsrpt-milter and prints what the milter answered.
--
-- Environment: MILTER (socket), MSG (message file), FROM, RCPT (envelope),
-- QID (queue id macro), REPLY (optional: "CODE XCODE TEXT", the custom
-- reply expected). Prints "reply=<c>" (a accept, d discard, r reject,
-- t tempfail, y a custom reply code), "header=<X-TLSRPT value>" (the first
-- one the milter added), "added=<n>" (how many it added), "deleted=<yes|
-- no>" (whether it removed an X-TLSRPT the message came with) and, with
-- REPLY, "replytext=<yes|no>" (whether the custom reply is exactly that).
--
-- miltertest overflows a fixed buffer on header values near 1 KB: long
-- header values are sent unfolded and cut at 900 bytes.

local sock = os.getenv("MILTER")
local path = os.getenv("MSG")
local f = assert(io.open(path, "rb"))
local text = f:read("*a")
f:close()
text = text:gsub("\r\n", "\n")
-- An mbox "From " line is not part of the message.
text = text:gsub("^From [^\n]*\n", "")

local head, body = text:match("^(.-)\n\n(.*)$")
if head == nil then head, body = text, "" end

local conn = mt.connect(sock, 20, 0.25)
if conn == nil then error("cannot connect to " .. sock) end
mt.conninfo(conn, "reporter.example", "192.0.2.25")
mt.macro(conn, SMFIC_MAIL, "i", os.getenv("QID") or "TESTQID")
mt.mailfrom(conn, os.getenv("FROM") or "<noreply@reporter.example>")
mt.rcptto(conn, os.getenv("RCPT") or "<tls-reports@example.com>")

local function reply()
	local r = mt.getreply(conn)
	if r == SMFIR_ACCEPT then return "a" end
	if r == SMFIR_DISCARD then return "d" end
	if r == SMFIR_REJECT then return "r" end
	if r == SMFIR_TEMPFAIL then return "t" end
	if r == SMFIR_REPLYCODE then return "y" end
	if r == SMFIR_CONTINUE then return "c" end
	return "?"
end

local done = nil
local eom = false
-- Unfold, then send each header field.
head = head:gsub("\n[ \t]+", " ")
for line in (head .. "\n"):gmatch("([^\n]*)\n") do
	local name, value = line:match("^([^:%s]+):%s?(.*)$")
	if name ~= nil and done == nil then
		if #value > 900 then value = value:sub(1, 900) end
		mt.header(conn, name, value)
		if reply() == "a" then done = "a" end
	end
end
if done == nil then
	mt.eoh(conn)
	if reply() == "a" then done = "a" end
end
if done == nil then
	-- Send the body in chunks, CRLF line ends as on the wire.
	body = body:gsub("\n", "\r\n")
	local i = 1
	while i <= #body do
		mt.bodystring(conn, body:sub(i, i + 65535 - 1))
		i = i + 65535
	end
	mt.eom(conn)
	eom = true
	done = reply()
end
print("reply=" .. done)
local h = mt.getheader(conn, "X-TLSRPT", 0)
print("header=" .. (h or ""))
local added = 0
while mt.getheader(conn, "X-TLSRPT", added) ~= nil do added = added + 1 end
print("added=" .. added)
-- Accepted before the end of the message, it changed nothing.
print("deleted=" .. ((eom and mt.eom_check(conn, MT_HDRDELETE, "X-TLSRPT")) and "yes" or "no"))
local want = os.getenv("REPLY")
if want ~= nil and want ~= "" then
	local code, xcode, text = want:match("^(%d+) ([%d.]+) (.*)$")
	print("replytext=" .. (mt.eom_check(conn, MT_SMTPREPLY, code, xcode, text) and "yes" or "no"))
end
mt.disconnect(conn)
