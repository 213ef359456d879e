import {
  CstParser,
  EOF,
  type CstNode,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
} from "chevrotain";
import * as T from "./tokens.js";

/** Turns Chevrotain's expectations into messages in the author's terms. */
const RULE_DESCRIPTIONS: Record<string, string> = {
  file: "a `game` declaration",
  gameDecl: "a game",
  gameItem: "a declaration (`param`, `role`, `state`, `rule`, `step`, `payoff`, `metric`, `bot`, ...)",
  roleItem: "a role item (`action`, `state`, `team =`, `observe`, `objective`)",
  ruleItem: "a rule item (`starts active`, `active when ...`, or `param_name = ...`)",
  statement: "a statement",
  expression: "an expression",
  primary: "an expression",
  typeRef: "a type (`int`, `real`, `bool`, `team`, `rule` or a role name)",
  actionArgType: "an argument type (`lo..hi`, a role, `team` or `rule`)",
  trainValue: "a value",
};

const CLOSING_CONTEXT: Record<string, string> = {
  gameDecl: "a declaration (`param`, `role`, `state`, `rule`, `step`, ...)",
  roleDecl: "a role item (`action`, `state`, `observe`, `objective`, `team =`)",
  ruleDecl: "a rule item (`starts active`, `active when`, `param = value`)",
  block: "a statement",
  payoffDecl: "a payoff row",
  matchStmt: "a match arm (`action => ...`)",
  trainDecl: "a setting (`steps 100000`)",
};

function describeExpected(types: TokenType[]): string {
  const names = [...new Set(types.map(T.displayTokenType))];
  if (names.length === 0) return "something else";
  if (names.length === 1) return names[0];
  if (names.length > 6) return names.slice(0, 6).join(", ") + ", ...";
  return names.slice(0, -1).join(", ") + " or " + names[names.length - 1];
}

function describeActual(token: IToken): string {
  if (token.tokenType === EOF) return "the end of the file";
  return "`" + token.image + "`";
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    // A loop of items ended at something that is not an item: say what could have come.
    if (expected === EOF) return `${describeActual(actual)} comes after the end of the game`;
    const closing = expected === T.RBrace ? CLOSING_CONTEXT[ruleName] : undefined;
    if (closing) return `expected ${closing} or \`}\`, found ${describeActual(actual)}`;
    return `expected ${T.displayTokenType(expected)}, found ${describeActual(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `${describeActual(firstRedundant)} comes after the end of the game`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const described = RULE_DESCRIPTIONS[ruleName];
    if (described) return `expected ${described}, found ${describeActual(actual[0])}`;
    const firsts = expectedPathsPerAlt.flatMap((paths) => paths.map((path) => path[0]));
    return `expected ${describeExpected(firsts)}, found ${describeActual(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const described = RULE_DESCRIPTIONS[ruleName];
    if (described) return `expected ${described}, found ${describeActual(actual[0])}`;
    return `expected ${describeExpected(expectedIterationPaths.map((p) => p[0]))}, found ${describeActual(actual[0])}`;
  },
};

/**
 * The `.game` grammar. Chevrotain builds a concrete syntax tree with error recovery on,
 * so a broken file still yields a tree and one error per independent problem.
 * Construct once (self-analysis is expensive) and reuse through `parser.input = tokens`.
 */
export class GameParser extends CstParser {
  /**
   * `validate` checks the grammar itself (ambiguities, left recursion): the tests do; the one parser every command uses
   * skips it to start faster.
   */
  constructor(options: { validate?: boolean } = {}) {
    super(T.allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: "onlyOffset",
      maxLookahead: 3,
      errorMessageProvider: errorMessages,
      skipValidations: !options.validate,
    });
    this.performSelfAnalysis();
  }

  file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.gameDecl));
  });

  gameDecl = this.RULE("gameDecl", () => {
    this.CONSUME(T.Game);
    this.CONSUME(T.AnyWord, { LABEL: "name" });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.gameItem));
    this.CONSUME(T.RBrace);
  });

  gameItem = this.RULE("gameItem", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.horizonDecl) },
      { ALT: () => this.SUBRULE(this.phasesDecl) },
      { ALT: () => this.SUBRULE(this.teamsDecl) },
      { ALT: () => this.SUBRULE(this.stateDecl) },
      { ALT: () => this.SUBRULE(this.roleDecl) },
      { ALT: () => this.SUBRULE(this.ruleDecl) },
      { ALT: () => this.SUBRULE(this.payoffDecl) },
      { ALT: () => this.SUBRULE(this.stepDecl) },
      { ALT: () => this.SUBRULE(this.metricDecl) },
      { ALT: () => this.SUBRULE(this.botDecl) },
      { ALT: () => this.SUBRULE(this.endWhenDecl) },
      { ALT: () => this.SUBRULE(this.trainDecl) },
      { ALT: () => this.CONSUME(T.Semicolon) },
    ]);
  });

  paramDecl = this.RULE("paramDecl", () => {
    this.CONSUME(T.Param);
    this.CONSUME(T.AnyWord, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expression, { LABEL: "value" });
    this.OPTION(() => {
      this.CONSUME(T.In);
      this.SUBRULE(this.range);
    });
  });

  range = this.RULE("range", () => {
    this.SUBRULE(this.expression, { LABEL: "lo" });
    this.CONSUME(T.DotDot);
    this.SUBRULE2(this.expression, { LABEL: "hi" });
  });

  horizonDecl = this.RULE("horizonDecl", () => {
    this.CONSUME(T.Horizon);
    this.SUBRULE(this.expression, { LABEL: "lo" });
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      this.SUBRULE2(this.expression, { LABEL: "hi" });
    });
  });

  phasesDecl = this.RULE("phasesDecl", () => {
    this.CONSUME(T.Phases);
    this.SUBRULE(this.nameList);
  });

  nameList = this.RULE("nameList", () => {
    this.CONSUME(T.AnyWord, { LABEL: "names" });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.CONSUME2(T.AnyWord, { LABEL: "names" });
    });
  });

  teamsDecl = this.RULE("teamsDecl", () => {
    this.CONSUME(T.Teams);
    this.OR([{ ALT: () => this.CONSUME(T.Number, { LABEL: "count" }) }, { ALT: () => this.SUBRULE(this.nameList) }]);
  });

  stateDecl = this.RULE("stateDecl", () => {
    this.CONSUME(T.State);
    this.CONSUME(T.AnyWord, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  typeRef = this.RULE("typeRef", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Int) },
      { ALT: () => this.CONSUME(T.Real) },
      { ALT: () => this.CONSUME(T.Bool) },
      { ALT: () => this.CONSUME(T.Team) },
      { ALT: () => this.CONSUME(T.Rule) },
      { ALT: () => this.CONSUME(T.Identifier) },
    ]);
  });

  roleDecl = this.RULE("roleDecl", () => {
    this.CONSUME(T.Role);
    this.CONSUME(T.AnyWord, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Star);
      this.SUBRULE(this.expression, { LABEL: "count" });
    });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.roleItem));
    this.CONSUME(T.RBrace);
  });

  roleItem = this.RULE("roleItem", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.actionDecl) },
      { ALT: () => this.SUBRULE(this.stateDecl) },
      { ALT: () => this.SUBRULE(this.teamInit) },
      { ALT: () => this.SUBRULE(this.observeDecl) },
      { ALT: () => this.SUBRULE(this.objectiveDecl) },
      { ALT: () => this.CONSUME(T.Semicolon) },
    ]);
  });

  actionDecl = this.RULE("actionDecl", () => {
    this.CONSUME(T.Action);
    this.CONSUME(T.AnyWord, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.CONSUME2(T.AnyWord, { LABEL: "argName" });
      this.CONSUME(T.Colon);
      this.SUBRULE(this.actionArgType);
      this.CONSUME(T.RParen);
    });
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.In);
            this.CONSUME3(T.AnyWord, { LABEL: "phase" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.When);
            this.SUBRULE(this.expression, { LABEL: "guard" });
          },
        },
      ]);
    });
  });

  actionArgType = this.RULE("actionArgType", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Team) },
      { ALT: () => this.CONSUME(T.Rule) },
      {
        ALT: () => {
          this.SUBRULE(this.expression, { LABEL: "lo" });
          this.OPTION(() => {
            this.CONSUME(T.DotDot);
            this.SUBRULE2(this.expression, { LABEL: "hi" });
          });
        },
      },
    ]);
  });

  teamInit = this.RULE("teamInit", () => {
    this.CONSUME(T.Team);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  observeDecl = this.RULE("observeDecl", () => {
    this.CONSUME(T.Observe);
    this.SUBRULE(this.expression, { LABEL: "items" });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.expression, { LABEL: "items" });
    });
  });

  objectiveDecl = this.RULE("objectiveDecl", () => {
    this.CONSUME(T.Objective);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  ruleDecl = this.RULE("ruleDecl", () => {
    this.CONSUME(T.Rule);
    this.CONSUME(T.AnyWord, { LABEL: "name" });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.ruleItem));
    this.CONSUME(T.RBrace);
  });

  ruleItem = this.RULE("ruleItem", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Starts);
          this.CONSUME(T.Active);
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.Active, { LABEL: "activeWhen" });
          this.CONSUME(T.When);
          this.SUBRULE(this.expression, { LABEL: "condition" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: "param" });
          this.CONSUME(T.Eq);
          this.SUBRULE2(this.expression, { LABEL: "value" });
        },
      },
      { ALT: () => this.CONSUME(T.Semicolon) },
    ]);
  });

  payoffDecl = this.RULE("payoffDecl", () => {
    this.CONSUME(T.Payoff);
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.payoffRow) }, { ALT: () => this.CONSUME(T.Semicolon) }]);
    });
    this.CONSUME(T.RBrace);
  });

  payoffRow = this.RULE("payoffRow", () => {
    this.CONSUME(T.AnyWord, { LABEL: "actions" });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.CONSUME2(T.AnyWord, { LABEL: "actions" });
    });
    this.CONSUME(T.Arrow);
    this.SUBRULE(this.expression, { LABEL: "rewards" });
    this.MANY2(() => {
      this.CONSUME2(T.Comma);
      this.SUBRULE2(this.expression, { LABEL: "rewards" });
    });
  });

  stepDecl = this.RULE("stepDecl", () => {
    this.CONSUME(T.Step);
    this.OPTION(() => this.CONSUME(T.AnyWord, { LABEL: "phase" }));
    this.SUBRULE(this.block);
  });

  metricDecl = this.RULE("metricDecl", () => {
    this.CONSUME(T.Metric);
    this.CONSUME(T.AnyWord, { LABEL: "name" });
    // `metric name in p, q = e`: averaged over the steps of those phases only.
    this.OPTION(() => {
      this.CONSUME(T.In);
      this.CONSUME2(T.AnyWord, { LABEL: "phase" });
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.CONSUME3(T.AnyWord, { LABEL: "phase" });
      });
    });
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  botDecl = this.RULE("botDecl", () => {
    this.CONSUME(T.Bot);
    this.CONSUME(T.AnyWord, { LABEL: "name" });
    this.CONSUME(T.For);
    this.CONSUME2(T.AnyWord, { LABEL: "role" });
    this.SUBRULE(this.block);
  });

  endWhenDecl = this.RULE("endWhenDecl", () => {
    this.CONSUME(T.End);
    this.CONSUME(T.When);
    this.SUBRULE(this.expression, { LABEL: "condition" });
  });

  trainDecl = this.RULE("trainDecl", () => {
    this.CONSUME(T.Train);
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.trainEntry) }, { ALT: () => this.CONSUME(T.Semicolon) }]);
    });
    this.CONSUME(T.RBrace);
  });

  trainEntry = this.RULE("trainEntry", () => {
    this.CONSUME(T.AnyWord, { LABEL: "key" });
    this.SUBRULE(this.trainValue);
  });

  trainValue = this.RULE("trainValue", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.OPTION(() => {
            this.SUBRULE(this.expression, { LABEL: "items" });
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE2(this.expression, { LABEL: "items" });
            });
          });
          this.CONSUME(T.RBracket);
        },
      },
      { ALT: () => this.SUBRULE3(this.expression, { LABEL: "value" }) },
    ]);
  });

  // ---- Statements -------------------------------------------------------------------

  block = this.RULE("block", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(T.RBrace);
  });

  statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.matchStmt) },
      { ALT: () => this.SUBRULE(this.enactStmt) },
      { ALT: () => this.SUBRULE(this.repealStmt) },
      { ALT: () => this.SUBRULE(this.endStmt) },
      { ALT: () => this.SUBRULE(this.playStmt) },
      // `end` also starts an assignment to a (misnamed) variable `end`; the `end` statement wins.
      { ALT: () => this.SUBRULE(this.assignStmt), IGNORE_AMBIGUITIES: true },
      { ALT: () => this.CONSUME(T.Semicolon) },
    ]);
  });

  letStmt = this.RULE("letStmt", () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.AnyWord, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeRef);
    });
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  ifStmt = this.RULE("ifStmt", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expression, { LABEL: "condition" });
    this.SUBRULE(this.block, { LABEL: "then" });
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR([
        { ALT: () => this.SUBRULE2(this.ifStmt, { LABEL: "elseIf" }) },
        { ALT: () => this.SUBRULE2(this.block, { LABEL: "else" }) },
      ]);
    });
  });

  forStmt = this.RULE("forStmt", () => {
    this.CONSUME(T.For);
    this.CONSUME(T.AnyWord, { LABEL: "variable" });
    this.CONSUME(T.In);
    this.CONSUME2(T.AnyWord, { LABEL: "over" });
    this.OPTION(() => {
      this.CONSUME(T.Where);
      this.SUBRULE(this.expression, { LABEL: "filter" });
    });
    this.SUBRULE(this.block);
  });

  matchStmt = this.RULE("matchStmt", () => {
    this.CONSUME(T.Match);
    this.SUBRULE(this.expression, { LABEL: "subject" });
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.matchArm) }, { ALT: () => this.CONSUME(T.Semicolon) }]);
    });
    this.CONSUME(T.RBrace);
  });

  matchArm = this.RULE("matchArm", () => {
    this.CONSUME(T.AnyWord, { LABEL: "action" });
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.CONSUME2(T.AnyWord, { LABEL: "binding" });
      this.CONSUME(T.RParen);
    });
    this.CONSUME(T.Arrow);
    this.OR([{ ALT: () => this.SUBRULE(this.block) }, { ALT: () => this.SUBRULE(this.statement) }]);
  });

  enactStmt = this.RULE("enactStmt", () => {
    this.CONSUME(T.Enact);
    this.CONSUME(T.AnyWord, { LABEL: "rule" });
  });

  repealStmt = this.RULE("repealStmt", () => {
    this.CONSUME(T.Repeal);
    this.CONSUME(T.AnyWord, { LABEL: "rule" });
  });

  endStmt = this.RULE("endStmt", () => {
    this.CONSUME(T.End);
  });

  playStmt = this.RULE("playStmt", () => {
    this.CONSUME(T.Play);
    // The action is optional here so that a bare `play` gets a precise message (AST builder).
    this.OPTION(() => {
      this.CONSUME(T.AnyWord, { LABEL: "action" });
      this.OPTION2(() => {
        this.CONSUME(T.LParen);
        this.SUBRULE(this.expression, { LABEL: "argument" });
        this.CONSUME(T.RParen);
      });
    });
  });

  assignStmt = this.RULE("assignStmt", () => {
    // Any word: a variable wrongly named with a reserved word is reported once, where it is declared.
    this.CONSUME(T.AnyWord, { LABEL: "base" });
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.AnyWord, { LABEL: "fields" });
    });
    this.CONSUME(T.AssignOp, { LABEL: "op" });
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  // ---- Expressions ------------------------------------------------------------------------
  // An expression is parsed flat, `operand (op operand)*`, and the AST builder applies the
  // precedence table. One CST node per operand instead of one per precedence level keeps
  // parsing fast (the CST is most of the parser's allocation).

  expression = this.RULE("expression", () => {
    this.SUBRULE(this.operand, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.BinaryOp, { LABEL: "ops" });
      this.SUBRULE2(this.operand, { LABEL: "operands" });
    });
  });

  /** `-` and `not` prefixes, a primary, then `.field` accesses. */
  operand = this.RULE("operand", () => {
    this.MANY(() => this.CONSUME(T.PrefixOp, { LABEL: "prefix" }));
    this.SUBRULE(this.primary);
    this.MANY2(() => {
      this.CONSUME(T.Dot);
      this.CONSUME(T.AnyWord, { LABEL: "fields" });
    });
  });

  ifExpr = this.RULE("ifExpr", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expression, { LABEL: "condition" });
    this.CONSUME(T.Then);
    this.SUBRULE2(this.expression, { LABEL: "then" });
    this.CONSUME(T.Else);
    this.SUBRULE3(this.expression, { LABEL: "else" });
  });

  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Number) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Self) },
      { ALT: () => this.CONSUME(T.Round) },
      { ALT: () => this.CONSUME(T.Phase) },
      { ALT: () => this.CONSUME(T.Noop) },
      {
        ALT: () => {
          this.CONSUME(T.Last);
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression, { LABEL: "lastOf" });
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: "name" });
          this.OPTION(() => {
            this.CONSUME2(T.LParen, { LABEL: "call" });
            this.SUBRULE(this.callArguments);
            this.CONSUME2(T.RParen);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME3(T.LParen);
          this.SUBRULE2(this.expression, { LABEL: "parenthesized" });
          this.CONSUME3(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.ifExpr) },
    ]);
  });

  callArguments = this.RULE("callArguments", () => {
    this.OR([
      {
        // `sum(a in role where c: e)`: a variable, `in`, what it ranges over.
        GATE: () => this.LA(2).tokenType === T.In,
        ALT: () => this.SUBRULE(this.aggregateHead),
      },
      {
        ALT: () => {
          this.OPTION(() => {
            this.SUBRULE(this.expression, { LABEL: "args" });
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE2(this.expression, { LABEL: "args" });
            });
          });
        },
      },
    ]);
  });

  aggregateHead = this.RULE("aggregateHead", () => {
    this.CONSUME(T.AnyWord, { LABEL: "variable" });
    this.CONSUME(T.In);
    this.CONSUME2(T.AnyWord, { LABEL: "over" });
    this.OPTION(() => {
      this.CONSUME(T.Where);
      this.SUBRULE(this.expression, { LABEL: "filter" });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE2(this.expression, { LABEL: "body" });
    });
  });
}

let shared: GameParser | undefined;

/** The one parser instance, created on first use. */
export function gameParser(): GameParser {
  shared ??= new GameParser();
  return shared;
}

export type { CstNode };
