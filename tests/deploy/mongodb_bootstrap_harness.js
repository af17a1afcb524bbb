// Runs mongodb.yaml's bootstrap.js against a mongod whose answers the test scripts, and prints
// the commands the script sent, in order (stdin: {"script", "env", "answers": {command: [...]}}).
const vm = require("vm");
const { script, env, answers } = JSON.parse(require("fs").readFileSync(0, "utf8"));
const calls = [];
function answer(name) {
  const next = (answers[name] || []).shift();
  if (next === undefined) {
    console.log(JSON.stringify([...calls, `${name} again: no answer scripted`]));
    process.exit(0);
  }
  if (next.code) throw { code: next.code, message: `scripted failure ${next.code}` };
  return next;
}
const db = {
  hello: () => answer("hello"),
  adminCommand(command) {
    const name = Object.keys(command)[0];
    const args = name === "replSetInitiate" ? command[name].members.map((m) => m.host)
      : name === "createUser" ? [command.createUser, ...command.roles.map((r) => `${r.role}@${r.db}`)] : [];
    calls.push([name, ...args].join(" "));
    return answer(name);
  },
  getSiblingDB: (name) => ({ auth: (user) => calls.push(`auth ${user}@${name}`) }),
};
class Quit {}
try {
  vm.runInNewContext(script, { db, process: { env }, print() {}, sleep() {}, quit() { throw new Quit(); } });
} catch (error) {
  if (!(error instanceof Quit)) throw error;
  calls.push("quit");
}
console.log(JSON.stringify(calls));
