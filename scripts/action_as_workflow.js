// Writes action.yml (a composite action) as a reusable workflow that actionlint can check: its
// inputs become workflow_call inputs, its steps a job's steps, its outputs the job's and the
// workflow's outputs. actionlint then checks every expression (inputs, steps.*.outputs, runner),
// the actions used and their inputs, and the run scripts, as it would in a workflow.
// Usage: node action_as_workflow.js ACTION.yml OUT.yml (with the npm package `yaml` installed).
"use strict";
const fs = require("fs");
const YAML = require("yaml");

const [src, out] = process.argv.slice(2);
const action = YAML.parse(fs.readFileSync(src, "utf8"));
if (action.runs?.using !== "composite") {
  throw new Error(`${src}: not a composite action`);
}
const inputs = {};
for (const [name, input] of Object.entries(action.inputs ?? {})) {
  inputs[name] = {
    description: input.description,
    required: Boolean(input.required),
    type: "string",
    ...(input.default !== undefined ? { default: String(input.default) } : {}),
  };
}
const jobOutputs = {};
const outputs = {};
for (const [name, output] of Object.entries(action.outputs ?? {})) {
  jobOutputs[name] = output.value;
  outputs[name] = { description: output.description, value: `\${{ jobs.action.outputs.${name} }}` };
}
const workflow = {
  name: `${action.name} (action.yml as a workflow)`,
  on: { workflow_call: { inputs, outputs } },
  permissions: { contents: "read" },
  jobs: {
    action: {
      "runs-on": "ubuntu-latest",
      outputs: jobOutputs,
      steps: action.runs.steps,
    },
  },
};
fs.writeFileSync(out, YAML.stringify(workflow, { lineWidth: 0 }));
