--[[
rbld.lua: report the sending IP of the messages rspamd rejects to rbld, as
type "spam" (or another report type of rbld.conf's kind = reports source).

Install (rspamd >= 3.11 loads every file in lua.local.d):
  /etc/rspamd/lua.local.d/rbld.lua
Older rspamd: put it at /etc/rspamd/rbld.lua and add to
/etc/rspamd/rspamd.local.lua:
  dofile('/etc/rspamd/rbld.lua')
Token: one line, as printed by
  rbldctl -c /etc/rbld/rbld.conf token new rspamd-HOST --role reporter
in /etc/rspamd/rbld.token, owned root:_rspamd, mode 0640.
Settings: edit the table below, or override any of them in
/etc/rspamd/rspamd.conf.local:
  rbld { url = "https://rbl.example.org:8053/v1/reports"; min_score = 20; }
Then: rspamadm configtest && systemctl reload rspamd

The report runs once the message's action is final (an idempotent symbol),
asynchronously, with a timeout; a failure is logged and changes nothing
for the message.
]]

local rspamd_http = require "rspamd_http"
local rspamd_logger = require "rspamd_logger"
local ucl = require "ucl"

local N = 'rbld'

local settings = {
  -- rbld's report endpoint. Use https:// when rbld is not on this host.
  url = 'http://127.0.0.1:8053/v1/reports',
  -- File holding a reporter token (or set "token" itself, not advised).
  token_file = '/etc/rspamd/rbld.token',
  token = nil,
  -- Report type and service sent to rbld.
  type = 'spam',
  service = 'rspamd',
  -- Report messages whose action is one of these...
  actions = { 'reject' },
  -- ...or whose score reaches this (nil: actions only).
  min_score = nil,
  -- Never report mail from authenticated users (your own customers).
  skip_authenticated = true,
  -- Never report when one of these symbols fired: add the symbol of an
  -- RBL rule that queries rbld's own zone, or rejections caused by the
  -- listing would be reported again and keep it growing.
  skip_symbols = { 'RBLD_LISTED' },
  -- Seconds to wait for rbld.
  timeout = 5.0,
}

local opts = rspamd_config:get_all_opt(N)
if opts then
  for k, v in pairs(opts) do
    settings[k] = v
  end
end

local function read_token(path)
  local f = io.open(path, 'r')
  if not f then
    return nil
  end
  local t = f:read('*a') or ''
  f:close()
  t = t:gsub('%s', '')
  if t == '' then
    return nil
  end
  return t
end

local token = settings.token or read_token(settings.token_file)
if not token then
  rspamd_logger.errx(rspamd_config, '%s: cannot read a token from %s; reports disabled',
      N, settings.token_file)
  return
end

local report_actions = {}
for _, a in ipairs(settings.actions or {}) do
  report_actions[a] = true
end

local function rbld_report(task)
  if settings.skip_authenticated and task:get_user() then
    return
  end
  local ip = task:get_from_ip()
  if not ip or not ip:is_valid() then
    return
  end
  for _, sym in ipairs(settings.skip_symbols or {}) do
    if task:has_symbol(sym) then
      return
    end
  end

  local action = task:get_metric_action()
  local score = task:get_metric_score()
  if type(score) == 'table' then
    score = score[1]
  end
  score = tonumber(score) or 0
  if not (report_actions[action] or
      (settings.min_score and score >= settings.min_score)) then
    return
  end

  local addr = ip:to_string()
  local body = ucl.to_format({
    ip = addr,
    type = settings.type,
    service = settings.service,
    reason = string.format('rspamd: %s, score %.2f, queue id %s',
        action, score, task:get_queue_id() or 'unknown'),
  }, 'json-compact')

  local function done(err, code, resp)
    if err then
      rspamd_logger.errx(task, '%s: report of %s failed: %s', N, addr, err)
    elseif code ~= 202 then
      rspamd_logger.errx(task, '%s: report of %s: HTTP %s: %s', N, addr, code, resp)
    else
      rspamd_logger.infox(task, '%s: reported %s: %s', N, addr, resp)
    end
  end

  rspamd_http.request({
    task = task,
    url = settings.url,
    method = 'POST',
    body = body,
    mime_type = 'application/json',
    headers = { Authorization = 'Bearer ' .. token },
    timeout = settings.timeout,
    callback = done,
  })
end

rspamd_config:register_symbol({
  name = 'RBLD_REPORT',
  type = 'idempotent',
  callback = rbld_report,
  flags = 'empty',
})
