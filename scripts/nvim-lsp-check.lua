-- A real-editor check of the Agora language server, run by scripts/nvim-lsp-check.sh:
--   nvim --headless -u scripts/nvim-lsp-check.lua
-- Environment: AGORA_ROOT (repo root), AGORA_SERVER ("cli" or "bundled"), AGORA_GAME_FILE
-- (a .game file with one error), AGORA_OUT (where the report goes).
-- Works on Neovim 0.7 (vim.lsp.start_client) and later (vim.lsp.start).

local root = assert(os.getenv("AGORA_ROOT"), "AGORA_ROOT is not set")
local server = os.getenv("AGORA_SERVER") or "cli"
local file = assert(os.getenv("AGORA_GAME_FILE"), "AGORA_GAME_FILE is not set")
local out_path = assert(os.getenv("AGORA_OUT"), "AGORA_OUT is not set")
local TIMEOUT = tonumber(os.getenv("AGORA_TIMEOUT_MS") or "15000")

local out = assert(io.open(out_path, "w"))
local failures = 0

local function say(line)
  out:write(line, "\n")
  out:flush()
end

local function check(ok, what)
  if ok then
    say("ok   " .. what)
  else
    failures = failures + 1
    say("FAIL " .. what)
  end
end

local function finish()
  say(failures == 0 and "all checks passed" or (failures .. " check(s) failed"))
  out:close()
  if failures == 0 then vim.cmd("qall!") else vim.cmd("cquit! 1") end
end

local ok, err = pcall(function()
  local cmd
  if server == "bundled" then
    cmd = { "node", root .. "/extension/dist/server.js", "--stdio" }
  else
    cmd = { "node", root .. "/bin/agora.js", "lsp", "--stdio" }
  end
  say("nvim " .. tostring(vim.version().major) .. "." .. tostring(vim.version().minor) .. "." .. tostring(vim.version().patch)
    .. ", server: " .. table.concat(cmd, " "))

  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = "game"

  local config = { name = "agora", cmd = cmd, cmd_cwd = root, root_dir = root }
  local client_id
  if vim.lsp.start then
    client_id = vim.lsp.start(config, { bufnr = buf })
  else
    client_id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(buf, client_id)
  end
  check(client_id ~= nil, "the server process started")

  local function client()
    return vim.lsp.get_client_by_id(client_id)
  end
  local started = vim.wait(TIMEOUT, function()
    local c = client()
    return c ~= nil and c.server_capabilities ~= nil and next(c.server_capabilities) ~= nil
  end, 20)
  check(started, "initialize answered")
  if started then
    local info = client().server_info -- Neovim 0.8 and later keep it
    if info then say("     server " .. tostring(info.name) .. " " .. tostring(info.version)) end
  end

  -- Positions are found in the text, not hard-coded (0-based line and UTF-16 column).
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local function find(needle, offset)
    for i, line in ipairs(lines) do
      local col = line:find(needle, 1, true)
      if col then return { line = i - 1, character = col - 1 + (offset or 0) } end
    end
    error("not in the test file: " .. needle)
  end
  local uri = vim.uri_from_bufnr(buf)
  local function request(method, position, extra)
    local params = { textDocument = { uri = uri }, position = position }
    for k, v in pairs(extra or {}) do params[k] = v end
    local responses = vim.lsp.buf_request_sync(buf, method, params, TIMEOUT) or {}
    for _, response in pairs(responses) do
      if response.err then return nil, response.err end
      return response.result
    end
    return nil, "no answer"
  end

  -- 1. Diagnostics for the error in the file.
  local got = vim.wait(TIMEOUT, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  check(got, "diagnostics published")
  local errors = 0
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.severity == vim.diagnostic.severity.ERROR then errors = errors + 1 end
    say(string.format("     %d:%d-%d:%d %s [%s] %s", d.lnum + 1, d.col + 1, d.end_lnum + 1, d.end_col + 1,
      ({ "error", "warning", "info", "hint" })[d.severity] or "?", tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)),
      (d.message:gsub("\n", " | "))))
  end
  local bonus = find("bonus")
  local on_bonus = false
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.lnum == bonus.line and d.col <= bonus.character and d.end_col >= bonus.character + 5 then on_bonus = true end
  end
  check(errors >= 1 and on_bonus, "an error on the unknown name `bonus`")

  -- 2. Hover on a param where it is used.
  local hover_at = find("pot * multiplier", 6)
  local hover, herr = request("textDocument/hover", hover_at)
  local hover_text = ""
  if hover and hover.contents then
    local c = hover.contents
    hover_text = type(c) == "string" and c or (c.value or vim.inspect(c))
  end
  say(string.format("     hover at %d:%d -> %s", hover_at.line + 1, hover_at.character + 1,
    herr and ("error " .. vim.inspect(herr)) or (hover_text:gsub("\n", " | "))))
  check(hover_text:find("multiplier", 1, true) ~= nil, "hover on `multiplier` describes the param")

  -- 3. Completion of agent fields after `self.`.
  local complete_at = find("self.total", 5)
  local completion, cerr = request("textDocument/completion", complete_at)
  local items = completion and (completion.items or completion) or {}
  local labels = {}
  for _, item in ipairs(items) do labels[#labels + 1] = item.label end
  say(string.format("     completion at %d:%d -> %d items: %s", complete_at.line + 1, complete_at.character + 1, #labels,
    cerr and ("error " .. vim.inspect(cerr)) or table.concat(labels, ", ")))
  local has = {}
  for _, l in ipairs(labels) do has[l] = true end
  check(has.total and has.reward and has.index, "completion after `self.` lists the agent fields")

  -- 4. Go to definition of the param.
  local definition = request("textDocument/definition", hover_at)
  local location = definition and (definition[1] or definition)
  local target = location and (location.range or location.targetSelectionRange)
  local declared = find("param multiplier")
  say("     definition -> " .. (target and string.format("%d:%d", target.start.line + 1, target.start.character + 1) or "none"))
  check(target ~= nil and target.start.line == declared.line, "definition of `multiplier` is its param line")

  -- 5. An edit that fixes the error clears the diagnostics (incremental sync).
  vim.api.nvim_buf_set_text(buf, bonus.line, bonus.character, bonus.line, bonus.character + 5, { "0.5" })
  local cleared = vim.wait(TIMEOUT, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.severity == vim.diagnostic.severity.ERROR then return false end
    end
    return true
  end, 20)
  check(cleared, "fixing the error clears the error diagnostics")

  -- 6. Document symbols list the declarations.
  local symbols = vim.lsp.buf_request_sync(buf, "textDocument/documentSymbol", { textDocument = { uri = uri } }, TIMEOUT) or {}
  local names = {}
  local function walk(list)
    for _, s in ipairs(list or {}) do
      names[#names + 1] = s.name
      walk(s.children)
    end
  end
  for _, response in pairs(symbols) do walk(response.result) end
  say("     symbols -> " .. table.concat(names, ", "))
  check(#names > 0, "document symbols")

  -- Shut the server down cleanly.
  vim.lsp.stop_client(client_id)
  local stopped = vim.wait(TIMEOUT, function() return client() == nil or client().is_stopped() end, 20)
  check(stopped, "the server shut down")
end)

if not ok then
  failures = failures + 1
  say("FAIL the check script raised: " .. tostring(err))
end
finish()
