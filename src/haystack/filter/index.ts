/**
 * The Haystack filter language: one parser, an in-memory evaluator and a SQL compiler that agree.
 */

export {
  type CmpOp,
  type FilterLiteral,
  type FilterNode,
  type FilterPath,
  filterToString,
  hasSymbolTerm,
  literalToString,
} from "./ast.ts";
export { compareCodePoints, compareToLiteral, matches, type RefResolver, resolvePath } from "./eval.ts";
export { FilterSyntaxError, FilterTooDeepError, parseFilter } from "./parser.ts";
export {
  COMPUTED_COLUMNS,
  type CompiledFilter,
  type CompileOptions,
  type ComputedTag,
  compileFilter,
  FilterTooComplexError,
  filterTagNames,
  MAX_FILTER_SQL,
  MAX_REF_STEP_COST,
  refStepCost,
} from "./sql.ts";
