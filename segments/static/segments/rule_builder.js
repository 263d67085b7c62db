// The segment rule builder: edits the JSON tree in a hidden textarea with dropdowns, no typing of JSON.
(function () {
  "use strict";

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    });
    (children || []).forEach((child) => node.appendChild(child));
    return node;
  }

  function select(options, value, onchange, label) {
    const node = el("select", {"aria-label": label, onchange: (e) => onchange(e.target.value)});
    options.forEach(([optionValue, text]) => {
      const option = el("option", {value: optionValue, text: text});
      if (String(optionValue) === String(value)) option.selected = true;
      node.appendChild(option);
    });
    return node;
  }

  function init(root) {
    const schema = JSON.parse(document.getElementById(root.dataset.schema).textContent);
    const textarea = document.getElementById(root.dataset.input);
    const leaves = Object.fromEntries(schema.leaves.map((leaf) => [leaf.type, leaf]));
    const opLabel = (op) => schema.operator_labels[op] || op;
    let tree;
    try { tree = JSON.parse(textarea.value || "{}"); } catch (e) { tree = {}; }
    if (!tree.type) tree = {type: "group", op: "and", negate: false, children: tree.type ? [tree] : []};
    if (tree.type !== "group") tree = {type: "group", op: "and", negate: false, children: [tree]};

    function save() { textarea.value = JSON.stringify(tree); }

    function operatorsFor(leaf, node) {
      if (!leaf.operators) return [];
      if (Array.isArray(leaf.operators)) return leaf.operators;
      return leaf.operators[node[leaf.operators_by]] || [];
    }

    function valueInputs(node, op, rerender) {
      if (op === "is_set") return [];
      if (op === "between") {
        const pair = Array.isArray(node.value) ? node.value : ["", ""];
        return [0, 1].map((i) => el("input", {type: "text", size: 8, value: pair[i] ?? "", "aria-label": i ? "to" : "from",
          oninput: (e) => { pair[i] = e.target.value; node.value = pair; save(); }}));
      }
      if (op === "in" || op === "contains") {
        const text = Array.isArray(node.value) ? node.value.join(", ") : (node.value || "");
        return [el("input", {type: "text", size: 24, value: text, placeholder: "a, b, c", "aria-label": "values",
          oninput: (e) => { node.value = e.target.value.split(",").map((s) => s.trim()).filter(Boolean); save(); }})];
      }
      return [el("input", {type: "text", size: 14, value: node.value ?? "", "aria-label": "value",
        oninput: (e) => { node.value = e.target.value; save(); }})];
    }

    function paramInput(param, node, rerender) {
      const label = el("label", {text: param.label + " "});
      if (param.kind === "choice") {
        label.appendChild(select([["", "—"], ...(param.choices || []).map((c) => [c, c])], node[param.name] ?? "",
          (v) => { node[param.name] = v; rerender(); }, param.label));
      } else if (param.kind === "choices") {
        const box = el("select", {multiple: "multiple", size: Math.min(5, (param.choices || []).length || 1),
          "aria-label": param.label, onchange: (e) => {
            node[param.name] = Array.from(e.target.selectedOptions).map((o) => o.value); save(); }});
        (param.choices || []).forEach((c) => {
          const option = el("option", {value: c, text: c});
          if ((node[param.name] || []).includes(c)) option.selected = true;
          box.appendChild(option);
        });
        label.appendChild(box);
      } else if (param.kind === "bool") {
        const box = el("input", {type: "checkbox", onchange: (e) => { node[param.name] = e.target.checked; save(); }});
        if (node[param.name]) box.checked = true;
        label.appendChild(box);
      } else {
        label.appendChild(el("input", {type: "text", size: 6, value: node[param.name] ?? "", "aria-label": param.label,
          oninput: (e) => { node[param.name] = e.target.value; save(); }}));
      }
      return label;
    }

    function renderLeaf(node, parent, index, rerender) {
      const leaf = leaves[node.type];
      const row = el("div", {class: "rb-leaf"});
      row.appendChild(negateBox(node));
      row.appendChild(select(schema.leaves.map((l) => [l.type, `${l.group}: ${l.label}`]), node.type, (type) => {
        parent.children[index] = {type: type, negate: node.negate || false}; rerender();
      }, "Condition"));
      if (leaf) {
        leaf.params.forEach((param) => row.appendChild(paramInput(param, node, rerender)));
        const ops = operatorsFor(leaf, node);
        if (ops.length) {
          if (!ops.includes(node.op)) node.op = ops[0];
          row.appendChild(select(ops.map((op) => [op, opLabel(op)]), node.op, (op) => { node.op = op; rerender(); }, "Operator"));
          valueInputs(node, node.op, rerender).forEach((input) => row.appendChild(input));
        }
      }
      row.appendChild(el("button", {type: "button", class: "rb-remove", text: "✕", "aria-label": "Remove condition",
        onclick: () => { parent.children.splice(index, 1); rerender(); }}));
      return row;
    }

    function negateBox(node) {
      const label = el("label", {class: "rb-not", text: "not "});
      const box = el("input", {type: "checkbox", onchange: (e) => { node.negate = e.target.checked; save(); }});
      if (node.negate) box.checked = true;
      label.prepend(box);
      return label;
    }

    function renderGroup(group, parent, index, rerender) {
      const box = el("fieldset", {class: "rb-group"});
      const legend = el("legend");
      legend.appendChild(negateBox(group));
      legend.appendChild(select([["and", "all of (AND)"], ["or", "any of (OR)"]], group.op,
        (op) => { group.op = op; save(); }, "Combine"));
      if (parent) legend.appendChild(el("button", {type: "button", text: "✕", "aria-label": "Remove group",
        onclick: () => { parent.children.splice(index, 1); rerender(); }}));
      box.appendChild(legend);
      group.children.forEach((child, i) => box.appendChild(child.type === "group"
        ? renderGroup(child, group, i, rerender) : renderLeaf(child, group, i, rerender)));
      box.appendChild(el("button", {type: "button", text: "+ condition", onclick: () => {
        group.children.push({type: schema.leaves[0].type, negate: false}); rerender(); }}));
      box.appendChild(el("button", {type: "button", text: "+ group", onclick: () => {
        group.children.push({type: "group", op: "or", negate: false, children: []}); rerender(); }}));
      return box;
    }

    function render() {
      root.replaceChildren(renderGroup(tree, null, 0, render));
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
        if (!response.ok) { out.textContent = (body.error && body.error.fields && body.error.fields.rules || [body.error.message]).join("; "); return; }
        out.textContent = `${body.count} members. ` + body.sample.map((m) => `${m.external_id} ${m.first_name} ${m.last_name}`).join(", ");
        if (body.statistics) {
          const warning = document.createElement("strong");
          warning.className = "rb-stats-warning";
          warning.setAttribute("role", "alert");
          warning.textContent = body.statistics.message;
          out.prepend(warning, document.createElement("br"));
        }
      });
    }
    render();
  }

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("[data-rule-builder]").forEach(init));
})();
