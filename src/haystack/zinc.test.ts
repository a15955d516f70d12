import { describe, expect, test } from "bun:test";
import {
  Coord,
  Grid,
  HDate,
  HDateTime,
  HNum,
  HSymbol,
  HTime,
  type HVal,
  hEquals,
  MARKER,
  NA,
  REMOVE,
  Ref,
  Uri,
  XStr,
} from "./kinds.ts";
import { readZincGrid, readZincValue, writeZincGrid, writeZincValue, ZincSyntaxError } from "./zinc.ts";

describe("zinc scalars (spec literals)", () => {
  const cases: [text: string, value: HVal | null, written: string][] = [
    ["N", null, "N"],
    ["M", MARKER, "M"],
    ["R", REMOVE, "R"],
    ["NA", NA, "NA"],
    ["T", true, "T"],
    ["F", false, "F"],
    ["1", new HNum(1), "1"],
    ["-34", new HNum(-34), "-34"],
    ["10_000", new HNum(10000), "10000"],
    ["5.4e-45", new HNum(5.4e-45), "5.4e-45"],
    ["9.23kg", new HNum(9.23, "kg"), "9.23kg"],
    ["74.2°F", new HNum(74.2, "°F"), "74.2°F"],
    ["4min", new HNum(4, "min"), "4min"],
    ["1.5kW", new HNum(1.5, "kW"), "1.5kW"],
    ["35000ft²", new HNum(35000, "ft²"), "35000ft²"],
    ["INF", new HNum(Number.POSITIVE_INFINITY), "INF"],
    ["-INF", new HNum(Number.NEGATIVE_INFINITY), "-INF"],
    ["NaN", new HNum(Number.NaN), "NaN"],
    ['"hello"', "hello", '"hello"'],
    ['"foo\\nbar\\""', 'foo\nbar"', '"foo\\nbar\\""'],
    ['"tab\\t back\\\\ dollar\\$ \\u00e9"', "tab\t back\\ dollar$ é", '"tab\\t back\\\\ dollar$ é"'],
    [
      "`http://project-haystack.com/`",
      new Uri("http://project-haystack.com/"),
      "`http://project-haystack.com/`",
    ],
    ["`file \\#2`", new Uri("file \\#2"), "`file \\#2`"],
    ["`a\\`b`", new Uri("a`b"), "`a\\`b`"],
    ["@17eb0f3a-ad607713", new Ref("17eb0f3a-ad607713"), "@17eb0f3a-ad607713"],
    ['@xyz "Display Name"', new Ref("xyz", "Display Name"), '@xyz "Display Name"'],
    ["@a:b.c~d_e", new Ref("a:b.c~d_e"), "@a:b.c~d_e"],
    ["^hot-water", new HSymbol("hot-water"), "^hot-water"],
    ["2010-03-13", new HDate(2010, 3, 13), "2010-03-13"],
    ["08:12:05", new HTime(8, 12, 5), "08:12:05"],
    ["08:12:05.5", new HTime(8, 12, 5, 500), "08:12:05.500"],
    [
      "2010-03-11T23:55:00-05:00 New_York",
      new HDateTime(Date.UTC(2010, 2, 12, 4, 55), -300, "New_York"),
      "2010-03-11T23:55:00-05:00 New_York",
    ],
    [
      "2009-11-09T15:39:00Z",
      new HDateTime(Date.UTC(2009, 10, 9, 15, 39), 0, "UTC"),
      "2009-11-09T15:39:00Z UTC",
    ],
    [
      "2010-11-28T07:23:02.773-08:00 Los_Angeles",
      new HDateTime(Date.UTC(2010, 10, 28, 15, 23, 2, 773), -480, "Los_Angeles"),
      "2010-11-28T07:23:02.773-08:00 Los_Angeles",
    ],
    [
      "2010-11-28T23:19:29.741+08:00 Taipei",
      new HDateTime(Date.UTC(2010, 10, 28, 15, 19, 29, 741), 480, "Taipei"),
      "2010-11-28T23:19:29.741+08:00 Taipei",
    ],
    [
      "2010-11-28T18:21:58+03:00 GMT-3",
      new HDateTime(Date.UTC(2010, 10, 28, 15, 21, 58), 180, "GMT-3"),
      "2010-11-28T18:21:58+03:00 GMT-3",
    ],
    [
      "2010-11-28T12:22:27-03:00 GMT+3",
      new HDateTime(Date.UTC(2010, 10, 28, 15, 22, 27), -180, "GMT+3"),
      "2010-11-28T12:22:27-03:00 GMT+3",
    ],
    [
      "2010-01-08T05:00:00Z UTC",
      new HDateTime(Date.UTC(2010, 0, 8, 5), 0, "UTC"),
      "2010-01-08T05:00:00Z UTC",
    ],
    ["C(37.55,-77.45)", new Coord(37.55, -77.45), "C(37.55,-77.45)"],
    ['Type("value")', new XStr("Type", "value"), 'Type("value")'],
    ['Bin("text/plain")', new XStr("Bin", "text/plain"), 'Bin("text/plain")'],
    ["[1, 2, 3]", [new HNum(1), new HNum(2), new HNum(3)], "[1,2,3]"],
    ["[1,N,]", [new HNum(1), null], "[1,N]"],
    ["[]", [], "[]"],
    [
      '{dis:"Building" site area:35000ft²}',
      { dis: "Building", site: MARKER, area: new HNum(35000, "ft²") },
      '{dis:"Building" site area:35000ft²}',
    ],
    ["{a:1, b:2,}", { a: new HNum(1), b: new HNum(2) }, "{a:1 b:2}"],
    ["{}", {}, "{}"],
    ["{x:[{y:@r}]}", { x: [{ y: new Ref("r") }] }, "{x:[{y:@r}]}"],
  ];

  test.each(cases)("%s", (text, value, written) => {
    const v = readZincValue(text);
    expect(hEquals(v, value)).toBe(true);
    expect(writeZincValue(v)).toBe(written);
    expect(hEquals(readZincValue(written), value)).toBe(true);
  });
});

describe("zinc grids (spec examples)", () => {
  const roundTrips: [name: string, text: string][] = [
    ["simple", 'ver:"3.0"\nfirstName,bday\n"Jack",1973-07-23\n"Jill",1975-11-15\n'],
    [
      "meta",
      'ver:"3.0" database:"test" dis:"Site Energy Summary"\nsiteName dis:"Sites",val dis:"Value" unit:"kW"\n"Site 1",356.214kW\n"Site 2",463.028kW\n',
    ],
    ["sparse", 'ver:"3.0"\na,b,c,d,e,f\n"a",,2,,,"z"\n'],
    ["single column null", 'ver:"3.0"\nval\nN\n1\n'],
    ["empty", 'ver:"3.0"\nempty\n'],
    [
      "nested",
      'ver:"3.0"\ntype,val\n"list",[1,2,3]\n"dict",{dis:"Dict!" foo}\n"grid",<<\nver:"3.0"\na,b\n1,2\n3,4\n>>\n"scalar","simple string"\n',
    ],
    [
      "his batch",
      'ver:"3.0" hisStart:2012-10-01T00:00:00-04:00 New_York hisEnd:2012-10-02T00:00:00-04:00 New_York\nts,v0 id:@hisA,v1 id:@hisB\n2012-10-01T00:15:00-04:00 New_York,72.1°F,10%\n2012-10-01T00:30:00-04:00 New_York,73°F,\n',
    ],
  ];
  test.each(roundTrips)("round trip: %s", (_name, text) => {
    expect(writeZincGrid(readZincGrid(text))).toBe(text);
  });

  test("spaces between tokens, indented nested grid, CRLF and a missing final newline", () => {
    const text =
      'ver:"3.0"\r\ntype,  val\r\n"grid",<<\r\n    ver:"2.0"\r\n    a,b\r\n    1,2\r\n    >>\r\n"x",  74.2°F';
    const g = readZincGrid(text);
    expect(g.cols.map((c) => c.name)).toEqual(["type", "val"]);
    expect(g.rows).toHaveLength(2);
    const inner = g.rows[0]?.val as Grid;
    expect(inner).toBeInstanceOf(Grid);
    expect(inner.rows).toEqual([{ a: new HNum(1), b: new HNum(2) }]);
    expect(g.rows[1]).toEqual({ type: "x", val: new HNum(74.2, "°F") });
  });

  test("the two spellings of a sparse row read the same", () => {
    const a = readZincGrid('ver:"3.0"\na,b,c,d,e,f\n"a",N,2,N,N,"z"\n');
    const b = readZincGrid('ver:"3.0"\na,b,c,d,e,f\n"a",,2,,,"z"\n');
    expect(hEquals(a, b)).toBe(true);
    expect(a.rows[0]).toEqual({ a: "a", c: new HNum(2), f: "z" });
  });

  test("grid meta and column meta are dicts, ver kept as 3.0", () => {
    const g = readZincGrid('ver:"3.0" projName:"test" hot\ndis dis:"Equip Name",equip\n"RTU-1",M\n');
    expect(g.meta).toEqual({ ver: "3.0", projName: "test", hot: MARKER });
    expect(g.cols).toEqual([
      { name: "dis", meta: { dis: "Equip Name" } },
      { name: "equip", meta: {} },
    ]);
    expect(g.rows).toEqual([{ dis: "RTU-1", equip: MARKER }]);
  });

  test("writes a grid built from rows", () => {
    const g = Grid.fromRows(
      [
        { id: new Ref("a", "A"), curVal: new HNum(1, "kW") },
        { id: new Ref("b"), his: MARKER },
      ],
      {
        ver: "3.0",
      },
    );
    expect(writeZincGrid(g)).toBe('ver:"3.0"\nid,curVal,his\n@a "A",1kW,\n@b,,M\n');
  });
});

describe("zinc errors", () => {
  const cases: [text: string, error: string][] = [
    ['ver:"4.0"\na\n', '1:5 unsupported zinc version "4.0"'],
    ["a,b\n1,2\n", "1:1 expected 'ver:'"],
    ['ver:"3.0"\nA\n', "2:1 expected tag name"],
    ['ver:"3.0"\na,b\n1,2,3\n', "3:4 row has more cells than columns"],
    ['ver:"3.0"\na\n"open\n', "3:1 unterminated string literal"],
    ['ver:"3.0"\na\nFoo\n', "3:1 unknown keyword 'Foo'"],
    ['ver:"3.0"\na\n2010-13-01\n', "3:1 invalid date: 2010-13-01"],
    ['ver:"3.0"\na\n[1 2]\n', "3:4 expected ',' or ']'"],
    ['ver:"3.0"\na\n"bad \\q"\n', "3:6 invalid escape sequence \\q"],
  ];
  test.each(cases)("%j", (text, error) => {
    let caught: unknown;
    try {
      readZincGrid(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ZincSyntaxError);
    expect(String(caught)).toBe(error);
  });
});
