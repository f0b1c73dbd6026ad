// The search attributes of workflows/search-attributes.ts in the forms tools want them.
import { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `Name=Type` pairs for `temporal server start-dev --search-attribute` and `temporal operator search-attribute create`. */
export function searchAttributeCliPairs(): string[] {
  return SEARCH_ATTRIBUTES.map((key) => `${key.name}=${CLI_TYPE_NAMES[key.type]}`);
}
