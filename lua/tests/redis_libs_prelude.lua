local function esc(s)
  return '"' .. (string.gsub(s, '[%z\1-\31"\\\127-\255]', function(c) return string.format('\\x%02x', string.byte(c)) end)) .. '"'
end
local show
show = function(v, depth)
  local t = type(v)
  if t == 'string' then return esc(v)
  elseif t == 'number' then return string.format('%.17g', v)
  elseif t == 'table' then
    if depth > 20 then return '{...}' end
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = '[' .. show(k, depth + 1) .. ']=' .. show(x, depth + 1) end
    table.sort(parts)
    return '{' .. table.concat(parts, ',') .. '}'
  elseif t == 'userdata' then
    if v == cjson.null then return 'null' end
    return 'userdata'
  else return tostring(v) == nil and t or (t == 'boolean' or t == 'nil') and tostring(v) or t end
end
local function collect(...) return {n = select('#', ...), ...} end
local r = collect(pcall(function() --[[CASE]] end))
local out = {}
for i = 2, r.n do out[#out + 1] = show(r[i], 0) end
if r[1] then return 'ok ' .. table.concat(out, ' ') end
return 'err ' .. table.concat(out, ' ')
