-- Runs contrib/rspamd/rbld.lua under LuaJIT with stand-ins for the parts
-- of rspamd's Lua API it uses, and prints one line per HTTP request it
-- makes: "REQUEST <method> <url> <mime_type> <Authorization> <timeout> <body>".
--
--   luajit rspamd_mock.lua PATH/TO/rbld.lua TOKENFILE
--
-- Not rspamd: it checks the rule's logic and the request it builds, not
-- rspamd's behaviour.

local script, tokenfile = arg[1], arg[2]

local function json(v)
  local t = type(v)
  if t == 'table' then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys)
    local out = {}
    for _, k in ipairs(keys) do
      out[#out + 1] = json(tostring(k)) .. ':' .. json(v[k])
    end
    return '{' .. table.concat(out, ',') .. '}'
  elseif t == 'string' then
    return '"' .. v:gsub('[%c"\\]', function(c)
      return string.format('\\u%04x', c:byte())
    end) .. '"'
  end
  return tostring(v)
end

package.preload['ucl'] = function()
  return { to_format = function(obj, fmt)
    assert(fmt == 'json-compact', 'unexpected format ' .. tostring(fmt))
    return json(obj)
  end }
end

local logged = {}
package.preload['rspamd_logger'] = function()
  local function log(level)
    return function(_, fmt, ...)
      local args = { ... }
      local i = 0
      local msg = fmt:gsub('%%s', function()
        i = i + 1
        return tostring(args[i])
      end)
      logged[#logged + 1] = level .. ' ' .. msg
      print('LOG ' .. level .. ' ' .. msg)
    end
  end
  return { errx = log('err'), infox = log('info'), warnx = log('warn') }
end

local answer = { nil, 202, '{"listed":false,"count":1,"expires":null,"allowlisted":false}' }
package.preload['rspamd_http'] = function()
  return { request = function(p)
    assert(p.task, 'no task')
    assert(type(p.callback) == 'function', 'no callback')
    print(string.format('REQUEST %s %s %s %s %s %s', p.method, p.url,
        p.mime_type, p.headers and p.headers.Authorization, p.timeout, p.body))
    p.callback(answer[1], answer[2], answer[3], {})
    return true
  end }
end

local symbols = {}
local conf_opts = nil
rspamd_config = {
  get_all_opt = function(_, name)
    assert(name == 'rbld')
    return conf_opts
  end,
  register_symbol = function(_, s)
    assert(s.type == 'idempotent', 'symbol must be idempotent')
    symbols[#symbols + 1] = s
  end,
}

local function ip(addr)
  return {
    is_valid = function() return addr ~= nil end,
    to_string = function() return addr end,
  }
end

local function task(t)
  return {
    get_user = function() return t.user end,
    get_from_ip = function() return ip(t.ip) end,
    has_symbol = function(_, s) return t.symbols and t.symbols[s] or false end,
    get_metric_action = function() return t.action end,
    get_metric_score = function() return { t.score, 15 } end,
    get_queue_id = function() return t.qid end,
  }
end

local function load(opts)
  symbols = {}
  conf_opts = opts
  dofile(script)
  return symbols[1]
end

local function run(name, sym, t)
  print('CASE ' .. name)
  sym.callback(task(t))
end

-- Settings from rspamd.conf.local: the token file of the test.
local sym = load({ token_file = tokenfile })
assert(sym and sym.name == 'RBLD_REPORT', 'RBLD_REPORT not registered')
run('reject', sym, { ip = '203.0.113.5', action = 'reject', score = 23.456, qid = '4AbCdEf' })
run('ipv6 reject', sym, { ip = '2001:db8::25', action = 'reject', score = 16 })
run('add header', sym, { ip = '203.0.113.6', action = 'add header', score = 7 })
run('no action', sym, { ip = '203.0.113.7', action = 'no action', score = -1 })
run('authenticated', sym, { ip = '203.0.113.8', action = 'reject', score = 30, user = 'alice' })
run('own zone', sym, { ip = '203.0.113.9', action = 'reject', score = 30, symbols = { RBLD_LISTED = true } })
run('no ip', sym, { action = 'reject', score = 30 })

sym = load({ token_file = tokenfile, min_score = 10, actions = {},
  url = 'https://rbl.example.org:8053/v1/reports', type = 'spam-score', service = 'rspamd-mx2' })
run('score 12 add header', sym, { ip = '198.51.100.1', action = 'add header', score = 12 })
run('score 9 add header', sym, { ip = '198.51.100.2', action = 'add header', score = 9 })

answer = { nil, 401, '{"error": "invalid token"}' }
sym = load({ token_file = tokenfile })
run('rbld says 401', sym, { ip = '203.0.113.5', action = 'reject', score = 20 })
answer = { 'connection refused', nil, nil }
run('rbld down', sym, { ip = '203.0.113.5', action = 'reject', score = 20 })

print('CASE no token file')
symbols = {}
conf_opts = { token_file = '/nonexistent/rbld.token' }
dofile(script)
print('registered ' .. #symbols)
