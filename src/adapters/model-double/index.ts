/** A scripted Anthropic Messages API on loopback, for `orch demo` and for tests against the real Claude Code. */
export { startModelDouble, type ModelDouble, type RecordedRequest } from './server.ts';
export { DEFAULT_SCENARIO, findScenarioMarker, parseScenarios, turn, type Scenario, type ScenarioInput, type Turn, type TurnInput } from './scenario.ts';
export { claudeDoubleEnv, DOUBLE_MODEL, type ClaudeDoubleEnv, type ClaudeDoubleEnvOptions } from './claude-env.ts';
