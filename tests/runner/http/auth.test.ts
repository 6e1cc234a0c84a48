import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../../shared/errors.ts";
import {
  assertAdminAuthConfig,
  isLoopbackHost,
  presentedToken,
  safeEqual,
} from "../../../runner/http/auth.ts";

describe("isLoopbackHost()", () => {
  const cases: Array<[string, boolean]> = [
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["::1", true],
    ["[::1]", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["192.168.1.5", false],
    ["127.0.0.256", false],
    ["localhost.example.com", false],
    ["", false],
  ];
  for (const [host, loopback] of cases) {
    test(`isLoopbackHost() says ${loopback} when HOST is "${host}"`, () => {
      expect(isLoopbackHost(host)).toBe(loopback);
    });
  }
});

describe("assertAdminAuthConfig()", () => {
  test("assertAdminAuthConfig() throws a ConfigError naming ADMIN_TOKEN when HOST is public and no token is set", () => {
    let error: unknown;
    try {
      assertAdminAuthConfig({ host: "0.0.0.0", adminToken: null });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(["ADMIN_TOKEN"]);
  });
  test("assertAdminAuthConfig() accepts loopback without a token and a public HOST with one", () => {
    expect(() => assertAdminAuthConfig({ host: "127.0.0.1", adminToken: null })).not.toThrow();
    expect(() => assertAdminAuthConfig({ host: "0.0.0.0", adminToken: "t" })).not.toThrow();
  });
});

describe("presentedToken()", () => {
  test("presentedToken() reads a Bearer token and the password of Basic with any user name", () => {
    expect(presentedToken("Bearer abc.def")).toBe("abc.def");
    expect(presentedToken(`Basic ${btoa("whoever:pa:ss")}`)).toBe("pa:ss");
    expect(presentedToken(`basic ${btoa(":tok")}`)).toBe("tok");
  });
  test("presentedToken() returns null when the header is missing or malformed", () => {
    expect(presentedToken(undefined)).toBe(null);
    expect(presentedToken("Token abc")).toBe(null);
    expect(presentedToken("Basic !!!")).toBe(null);
    expect(presentedToken(`Basic ${btoa("nocolon")}`)).toBe(null);
  });
});

describe("safeEqual()", () => {
  test("safeEqual() is true only for identical secrets, whatever their lengths", () => {
    expect(safeEqual("s3cret", "s3cret")).toBe(true);
    expect(safeEqual("s3cret", "s3cre")).toBe(false);
    expect(safeEqual("", "s3cret")).toBe(false);
  });
});
