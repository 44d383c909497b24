-- miltertest script for septet-milter (scripts/ci_capi.sh fills in
-- @MILTER@ and @PORT@). An 8-bit message gets its body replaced and its
-- Content-Transfer-Encoding and Subject fields changed; a 7-bit message
-- is left alone.
mt.set_timeout(10)
mt.startfilter("@MILTER@", "-p", "inet:@PORT@@127.0.0.1")
mt.sleep(1)

local function open()
    local conn = mt.connect("inet:@PORT@@127.0.0.1", 20, 0.5)
    if conn == nil then error("mt.connect() failed") end
    if mt.conninfo(conn, "localhost", "127.0.0.1") ~= nil then error("conninfo failed") end
    if mt.mailfrom(conn, "sender@example.org") ~= nil then error("mailfrom failed") end
    if mt.rcptto(conn, "rcpt@example.net") ~= nil then error("rcptto failed") end
    return conn
end

local function send(conn, headers, body)
    for _, h in ipairs(headers) do
        if mt.header(conn, h[1], h[2]) ~= nil then error("header failed") end
    end
    if mt.eoh(conn) ~= nil then error("eoh failed") end
    if mt.bodystring(conn, body) ~= nil then error("body failed") end
    if mt.eom(conn) ~= nil then error("eom failed") end
end

-- 1. An 8-bit message.
local conn = open()
send(conn, {
    {"From", "sender@example.org"},
    {"To", "rcpt@example.net"},
    {"Subject", "Gr\195\188\195\159e"},
    {"MIME-Version", "1.0"},
    {"Content-Type", "text/plain; charset=utf-8"},
    {"Content-Transfer-Encoding", "8bit"},
}, "Gr\195\188\195\159e aus K\195\182ln, a long line of mostly ASCII text.\r\n")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("8-bit message: unexpected reply") end
if not mt.eom_check(conn, MT_BODYCHANGE) then error("8-bit message: body not replaced") end
if not mt.eom_check(conn, MT_BODYCHANGE,
        "Gr=C3=BC=C3=9Fe aus K=C3=B6ln, a long line of mostly ASCII text.\r\n") then
    error("8-bit message: body not quoted-printable")
end
if not mt.eom_check(conn, MT_HDRCHANGE, "Content-Transfer-Encoding", "quoted-printable") then
    error("8-bit message: Content-Transfer-Encoding not changed")
end
if not mt.eom_check(conn, MT_HDRCHANGE, "Subject", "=?utf-8?B?R3LDvMOfZQ==?=") then
    error("8-bit message: Subject not encoded")
end
mt.disconnect(conn)

-- 2. A 7-bit message passes untouched.
conn = open()
send(conn, {
    {"From", "sender@example.org"},
    {"Subject", "plain"},
}, "just ASCII\r\n")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("7-bit message: unexpected reply") end
if mt.eom_check(conn, MT_BODYCHANGE) then error("7-bit message: body changed") end
if mt.eom_check(conn, MT_HDRCHANGE) then error("7-bit message: header changed") end
mt.disconnect(conn)
print("milter: 2 messages checked")
