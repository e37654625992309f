/** `no-eds-section`: a full dump without EndpointsConfigDump; said once instead of flagging every EDS cluster. */
import type { Check } from './types';

export const noEdsSection: Check = ({ analysis }) =>
  analysis.noEdsSection
    ? [
        {
          code: 'no-eds-section',
          severity: 'information',
          message:
            'This dump has no endpoints section, so EDS clusters cannot be checked for endpoints; take it with "config_dump?include_eds" to include them.',
          span: analysis.noEdsSection,
        },
      ]
    : [];
