/** asl-validator 4.0.0 ships no type declarations; the part its README documents. */
declare module 'asl-validator' {
  interface AslValidatorOptions {
    /** Check JSONPath expressions. @default true */
    readonly checkPaths?: boolean;
    /** Check that Resource values are ARNs. @default true */
    readonly checkArn?: boolean;
  }
  interface AslValidatorResult {
    readonly isValid: boolean;
    readonly errors: readonly { readonly 'Error code'?: string; readonly Message?: string; readonly message?: string; readonly path?: string }[];
    readonly errorsText: (separator?: string) => string;
  }
  function aslValidator(definition: unknown, options?: AslValidatorOptions): AslValidatorResult;
  export = aslValidator;
}
