// The segment rule builder: edits the JSON tree in a hidden textarea with pickers, never JSON or hidden codes.
// Known values are chosen from their labels (a woman, not `f`); numbers are read as people type them
// (5 000, 4 999,50, 5 000 ₽); a refused condition shows its message beside it, not on every field.
(function () {
  "use strict";

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }

  const pairs = (choices) => (choices || []).map((c) => (Array.isArray(c) ? c : [c, c]));

  function select(options, value, onchange, label, extra) {
    const node = el("select", {"aria-label": label, onchange: (e) => onchange(e.target.value), ...(extra || {})});
    options.forEach(([optionValue, text]) => {
      const option = el("option", {value: optionValue, text: text});
      if (String(optionValue) === String(value)) option.selected = true;
      node.appendChild(option);
    });
    return node;
  }

  // The same reading as core.numbers.number_parse: grouped thousands, a decimal comma, a trailing ₽ or %.
  const SPACES = "[ \u00a0\u202f\u2009]";
  const GROUPED = new RegExp(`^[+-]?\\d{1,3}(${SPACES}\\d{3})+([.,]\\d+)?$`);
  const UNIT = new RegExp(`${SPACES}*(₽|руб(?:лей|ля|ль)?\\.?|р\\.?|rub|%)$`, "i");
  function parseNumber(raw) {
    if (typeof raw === "number") return raw;
    let text = String(raw ?? "").trim().replace(UNIT, "").trim();
    if (/[ \u00a0\u202f\u2009]/.test(text)) {
      if (!GROUPED.test(text)) return null;
      text = text.replace(/[ \u00a0\u202f\u2009]/g, "");
    }
    if ((text.match(/,/g) || []).length === 1 && !text.includes(".")) text = text.replace(",", ".");
    return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : null;
  }

  function init(root) {
    const schema = JSON.parse(document.getElementById(root.dataset.schema).textContent);
    const t = schema.texts;
    const textarea = document.getElementById(root.dataset.input);
    const leaves = Object.fromEntries(schema.leaves.map((leaf) => [leaf.type, leaf]));
    const opLabel = (op) => schema.operator_labels[op] || op;
    let problems = [];
    try { problems = JSON.parse(document.getElementById(root.dataset.problems).textContent || "[]"); } catch (e) { problems = []; }
    let tree;
    try { tree = JSON.parse(textarea.value || "{}"); } catch (e) { tree = {}; }
    if (!tree || !tree.type) tree = {type: "group", op: "and", negate: false, children: []};
    if (tree.type !== "group") tree = {type: "group", op: "and", negate: false, children: [tree]};

    function save() { textarea.value = JSON.stringify(tree); }

    function operatorsFor(leaf, node) {
      if (!leaf.operators) return [];
      if (Array.isArray(leaf.operators)) return leaf.operators;
      return leaf.operators[node[leaf.operators_by]] || [];
    }

    function valueSpec(leaf, node) {
      if (!leaf.values) return {kind: "text"};
      if (leaf.operators_by) return leaf.values[node[leaf.operators_by]] || {kind: "text"};
      return leaf.values;
    }

    // A message under the row when a typed number cannot be read; the tree keeps what was typed, so the
    // server refuses it too, beside this condition only.
    // A stored number (4000.5) shows as the marketer writes it (4 000,5); what she types is kept as typed.
    const LOCAL = new Intl.NumberFormat(document.documentElement.lang || undefined, {maximumFractionDigits: 6});
    const shown = (value) => (typeof value === "number" || /^-?\d+(\.\d+)?$/.test(String(value ?? ""))
      ? LOCAL.format(Number(value)) : (value ?? ""));

    function numberInput(value, label, onvalue, row, unit, size) {
      const input = el("input", {type: "text", inputmode: "decimal", size: size || 8, value: shown(value), "aria-label": label,
        class: "rb-number", oninput: (e) => { onvalue(e.target.value); checkNumbers(row); }});
      return unit ? el("span", {class: "rb-with-unit"}, [input, el("span", {class: "rb-unit", text: unit})]) : input;
    }

    function checkNumbers(row) {
      const bad = Array.from(row.querySelectorAll("input.rb-number"))
        .filter((input) => input.value.trim() !== "" && parseNumber(input.value) === null);
      row.querySelectorAll("input.rb-number").forEach((input) => input.classList.toggle("rb-bad", bad.includes(input)));
      showMessage(row, bad.length ? t.not_a_number : "");
    }

    function showMessage(row, text) {
      let message = row.parentNode && row.nextElementSibling && row.nextElementSibling.classList.contains("rb-error")
        ? row.nextElementSibling : null;
      if (!text) { if (message) message.remove(); return; }
      if (!message) {
        message = el("div", {class: "rb-error", role: "alert"});
        row.after(message);
      }
      message.textContent = text;
    }

    function checkList(choices, chosen, onchange, label) {
      const list = pairs(choices);
      const box = el("div", {class: "rb-checks", role: "group", "aria-label": label});
      if (list.length > 12) {
        box.appendChild(el("input", {type: "search", class: "rb-filter", placeholder: t.filter, "aria-label": `${label}: ${t.filter}`,
          oninput: (e) => {
            const needle = e.target.value.toLowerCase();
            box.querySelectorAll("label").forEach((item) => { item.hidden = !item.textContent.toLowerCase().includes(needle); });
          }}));
      }
      const current = new Set((chosen || []).map(String));
      list.forEach(([value, text]) => {
        const box_ = el("input", {type: "checkbox", value: value, checked: current.has(String(value)),
          onchange: () => onchange(Array.from(box.querySelectorAll("input[type=checkbox]:checked")).map((i) => i.value))});
        box.appendChild(el("label", {}, [box_, document.createTextNode(text)]));
      });
      return box;
    }

    function switchInput(value, onchange, label) {
      const input = el("input", {type: "checkbox", role: "switch", checked: value === true, "aria-label": label,
        onchange: (e) => { onchange(e.target.checked); text.textContent = e.target.checked ? t.yes : t.no; }});
      const text = el("span", {text: value === true ? t.yes : t.no});
      return el("label", {class: "rb-switch"}, [input, el("span", {class: "rb-slider"}), text]);
    }

    function valueInputs(leaf, node, op, row, rerender) {
      if (op === "is_set") return [];
      const spec = valueSpec(leaf, node);
      if (spec.kind === "bool") {
        if (typeof node.value !== "boolean") { node.value = node.value === "false" ? false : true; save(); }
        return [switchInput(node.value, (v) => { node.value = v; save(); }, t.value)];
      }
      if (spec.kind === "choice") {
        if (op === "in" || op === "contains") {
          return [checkList(spec.choices, Array.isArray(node.value) ? node.value : [], (values) => { node.value = values; save(); }, t.values)];
        }
        return [select([["", "—"], ...pairs(spec.choices)], node.value ?? "", (v) => { node.value = v; save(); }, t.value)];
      }
      const type = spec.kind === "date" ? "date" : "text";
      if (op === "between") {
        const pair = Array.isArray(node.value) ? node.value : ["", ""];
        node.value = pair;
        const ends = [0, 1].map((i) => (spec.kind === "number"
          ? numberInput(pair[i], i ? t.to : t.from, (v) => { pair[i] = v; save(); }, row, i ? spec.unit : "", 7)
          : el("input", {type: type, size: 10, value: pair[i] ?? "", "aria-label": i ? t.to : t.from,
            oninput: (e) => { pair[i] = e.target.value; save(); }})));
        return [ends[0], el("span", {class: "rb-and", text: t.and}), ends[1]];
      }
      if (op === "in" || op === "contains") {
        const text = Array.isArray(node.value) ? node.value.join(", ") : (node.value || "");
        return [el("input", {type: "text", size: 24, value: text, placeholder: t.comma_separated, "aria-label": t.values,
          oninput: (e) => { node.value = e.target.value.split(",").map((s) => s.trim()).filter(Boolean); save(); }})];
      }
      if (spec.kind === "number") return [numberInput(node.value, t.value, (v) => { node.value = v; save(); }, row, spec.unit)];
      return [el("input", {type: type, size: 14, value: node.value ?? "", "aria-label": t.value,
        oninput: (e) => { node.value = e.target.value; save(); }})];
    }

    function searchInput(param, node) {
      const chosen = Array.isArray(node[param.name]) ? node[param.name] : [];
      node[param.name] = chosen;
      const chips = el("span", {class: "rb-chips"});
      const labels = {};
      function drawChips() {
        chips.replaceChildren(...chosen.map((value, i) => el("span", {class: "rb-chip", title: labels[value] || value}, [
          el("span", {class: "rb-chip-text", text: labels[value] || value}),
          el("button", {type: "button", text: "✕", "aria-label": `${t.remove} ${labels[value] || value}`,
            onclick: () => { chosen.splice(i, 1); save(); drawChips(); }})])));
      }
      const results = el("div", {class: "rb-results", role: "listbox", hidden: true});
      let timer;
      const input = el("input", {type: "search", size: 12, placeholder: t.search, "aria-label": param.label,
        oninput: (e) => {
          clearTimeout(timer);
          const text = e.target.value;
          timer = setTimeout(async () => {
            if (!text.trim()) { results.hidden = true; return; }
            const body = await (await fetch(`${param.search_url}?q=${encodeURIComponent(text)}`)).json();
            results.replaceChildren(...body.results.map((r) => el("button", {type: "button", role: "option", text: r.label,
              onclick: () => {
                labels[r.value] = r.label;
                if (!chosen.includes(r.value)) chosen.push(r.value);
                save(); drawChips(); results.hidden = true; input.value = "";
              }})));
            if (!body.results.length) results.appendChild(el("span", {class: "rb-none", text: t.nothing_found}));
            results.hidden = false;
          }, 200);
        }});
      if (chosen.length) {
        fetch(`${param.search_url}?values=${encodeURIComponent(chosen.join("\n"))}`).then((r) => r.json()).then((body) => {
          body.results.forEach((r) => { labels[r.value] = r.label; });
          drawChips();
        });
      }
      drawChips();
      return el("span", {class: "rb-search"}, [chips, input, results]);
    }

    function paramInput(param, node, row, rerender, leaf) {
      // "Statistic: [Statistic ▾]" says it twice: the select keeps its accessible name, the text goes.
      const shown = leaf && param.label === leaf.label ? "" : param.label;
      const label = el("label", {class: "rb-param", "data-param": param.name}, [el("span", {text: shown})]);
      if (node[param.name] === undefined && param.default !== null && param.default !== undefined) {
        node[param.name] = param.default;
      }
      if (param.kind === "choice") {
        label.appendChild(select([["", "—"], ...pairs(param.choices)], node[param.name] ?? "",
          (v) => { node[param.name] = v; rerender(); }, param.label));
      } else if (param.kind === "choices") {
        return el("div", {class: "rb-param rb-param-list", "data-param": param.name}, [el("span", {text: param.label}),
          checkList(param.choices, node[param.name], (values) => { node[param.name] = values; save(); }, param.label)]);
      } else if (param.kind === "search") {
        label.appendChild(searchInput(param, node));
      } else if (param.kind === "bool") {
        const toggle = switchInput(node[param.name] === true, (v) => { node[param.name] = v; save(); rerender(); }, param.label);
        toggle.prepend(el("span", {text: param.label}));
        toggle.classList.add("rb-param");
        toggle.dataset.param = param.name;
        return toggle;
      } else if (param.kind === "hour") {
        const hours = Array.from({length: 24}, (_, h) => [String(h), `${String(h).padStart(2, "0")}:00`]);
        label.appendChild(select(hours, node[param.name] ?? "", (v) => { node[param.name] = Number(v); save(); }, param.label));
      } else {
        label.appendChild(numberInput(node[param.name], param.label, (v) => { node[param.name] = v; save(); }, row,
          param.unit, 4));
      }
      return label;
    }

    function conditionSelect(node, parent, index, rerender) {
      const box = el("select", {"aria-label": t.condition, class: "rb-type", onchange: (e) => {
        parent.children[index] = {type: e.target.value, negate: node.negate || false}; clearProblems(); rerender();
      }});
      const groups = {};
      schema.leaves.forEach((leaf) => {
        if (!groups[leaf.group]) groups[leaf.group] = box.appendChild(el("optgroup", {label: leaf.group}));
        const option = el("option", {value: leaf.type, text: leaf.label});
        if (leaf.type === node.type) option.selected = true;
        groups[leaf.group].appendChild(option);
      });
      return box;
    }

    function problemsAt(path) {
      return problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));
    }

    function clearProblems() { problems = []; }

    function renderLeaf(node, parent, index, path, rerender) {
      const leaf = leaves[node.type];
      const row = el("div", {class: "rb-leaf", "data-path": path});
      row.appendChild(negateBox(node));
      row.appendChild(conditionSelect(node, parent, index, rerender));
      if (leaf) {
        const hideHours = leaf.params.some((p) => p.name === "night_only") && !node.night_only;
        leaf.params.forEach((param) => {
          if (hideHours && param.kind === "hour") return;
          row.appendChild(paramInput(param, node, row, rerender, leaf));
        });
        const ops = operatorsFor(leaf, node);
        if (ops.length) {
          if (!ops.includes(node.op)) node.op = ops[0];
          row.appendChild(select(ops.map((op) => [op, opLabel(op)]), node.op, (op) => { node.op = op; rerender(); },
            t.operator, {class: "rb-op"}));
          row.appendChild(el("span", {class: "rb-value", "data-param": "value"}, valueInputs(leaf, node, node.op, row, rerender)));
        }
      }
      row.appendChild(el("button", {type: "button", class: "rb-remove", text: "✕", "aria-label": t.remove_condition,
        onclick: () => { parent.children.splice(index, 1); clearProblems(); rerender(); }}));
      const mine = problemsAt(path);
      const wrapper = el("div", {class: mine.length ? "rb-row rb-invalid" : "rb-row"}, [row]);
      if (leaf && leaf.note) wrapper.appendChild(el("div", {class: "rb-note", text: leaf.note}));
      if (mine.length) {
        mine.forEach((p) => {
          const name = p.path.slice(path.length + 1);
          row.querySelectorAll(`[data-param="${name}"]`).forEach((input) => input.classList.add("rb-bad"));
        });
        wrapper.appendChild(el("div", {class: "rb-error", role: "alert", text: mine.map((p) => p.message).join("; ")}));
      }
      row.addEventListener("change", () => { if (mine.length) { problems = problems.filter((p) => !mine.includes(p)); } });
      return wrapper;
    }

    function negateBox(node) {
      const label = el("label", {class: "rb-not", text: ` ${t.not}`});
      const box = el("input", {type: "checkbox", "aria-label": t.not, onchange: (e) => { node.negate = e.target.checked; save(); }});
      if (node.negate) box.checked = true;
      label.prepend(box);
      return label;
    }

    function renderGroup(group, parent, index, path, rerender) {
      const box = el("fieldset", {class: "rb-group"});
      const legend = el("legend");
      legend.appendChild(negateBox(group));
      legend.appendChild(select([["and", t.all_of], ["or", t.any_of]], group.op,
        (op) => { group.op = op; save(); }, t.combine));
      if (parent) legend.appendChild(el("button", {type: "button", text: "✕", "aria-label": t.remove_group,
        onclick: () => { parent.children.splice(index, 1); clearProblems(); rerender(); }}));
      box.appendChild(legend);
      group.children.forEach((child, i) => {
        const childPath = `${path}.children[${i}]`;
        box.appendChild(child.type === "group"
          ? renderGroup(child, group, i, childPath, rerender) : renderLeaf(child, group, i, childPath, rerender));
      });
      const mine = problems.filter((p) => p.path === `${path}.op` || p.path === `${path}.children` || p.path === path);
      if (mine.length) box.appendChild(el("div", {class: "rb-error", role: "alert", text: mine.map((p) => p.message).join("; ")}));
      box.appendChild(el("div", {class: "rb-add"}, [
        el("button", {type: "button", text: t.add_condition, onclick: () => {
          group.children.push({type: schema.leaves[0].type, negate: false}); rerender(); }}),
        el("button", {type: "button", text: t.add_group, onclick: () => {
          group.children.push({type: "group", op: "or", negate: false, children: []}); rerender(); }})]));
      return box;
    }

    function render() {
      root.replaceChildren(renderGroup(tree, null, 0, "rules", render));
      save();
    }

    const preview = document.getElementById(root.dataset.preview);
    if (preview) {
      preview.querySelector("button").addEventListener("click", async () => {
        const out = preview.querySelector("output");
        out.textContent = "…";
        const response = await fetch(root.dataset.previewUrl, {method: "POST", body: textarea.value,
          headers: {"Content-Type": "application/json",
                    "X-CSRFToken": document.querySelector("[name=csrfmiddlewaretoken]").value}});
        const body = await response.json();
        if (!response.ok) {
          problems = (body.error && body.error.problems) || [];
          render();
          out.textContent = problems.length ? t.check_marked : (body.error.fields && body.error.fields.rules || [body.error.message]).join("; ");
          return;
        }
        problems = [];
        render();
        out.replaceChildren(el("strong", {class: "rb-count", text: body.count_text}),
          document.createTextNode(body.sample.length ? ` ${t.for_example} ` + body.sample.map((m) => `${m.external_id} ${m.first_name} ${m.last_name}`.trim()).join(", ") : ""));
        if (body.statistics) {
          out.prepend(el("strong", {class: "rb-stats-warning", role: "alert", text: body.statistics.message}), el("br"));
        }
      });
    }
    render();
  }

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("[data-rule-builder]").forEach(init));
})();
